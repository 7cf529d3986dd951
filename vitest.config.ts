import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest, longest first (one worker, 2 cores, 2026-12-02: 175 s for the first, 19 s for the last). They start
 * first so that the run does not end with one worker still on a long file while the other sits idle. Only the
 * order depends on this list: a file missing from it, or a name that no longer exists, runs as it would anyway.
 */
const LONG_FILES = [
  'apps/cli/test/embedded-cli.test.ts',
  'apps/cli/test/client-commands.test.ts',
  'apps/cli/test/run-resume.test.ts',
  'apps/cli/test/execution-flags.test.ts',
  'test/embedded/own-teacher-and-data.test.ts',
  'test/chaos/workflow-chaos.test.ts',
  'apps/cli/test/init-and-dry-run.test.ts',
  'test/chaos/pack-chaos.test.ts',
  'packages/ml/test/datasets.test.ts',
  'test/embedded/api-over-embedded-store.test.ts',
  'test/threads/worker-threads.test.ts',
  'test/embedded/smh-sweep.test.ts',
  'test/embedded/prune-sweep.test.ts',
  'apps/cli/test/cli.test.ts',
  'test/embedded/in-process-executor.test.ts',
  'test/fuzz/api-fuzz.test.ts',
];

/**
 * Vitest's own order (files that failed last time first, then by the durations it recorded, then by size) where
 * it has recorded durations; on a clean clone, which has none, the files of {@link LONG_FILES} first.
 */
class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const i = LONG_FILES.findIndex((name) => spec.moduleId.endsWith(`/${name}`));
      return i === -1 ? LONG_FILES.length : i;
    };
    const recorded = (spec: TestSpecification): boolean =>
      this.ctx.cache.getFileTestResults(
        `${spec.project.name}:${spec.moduleId.slice(this.ctx.config.root.length + 1)}`,
      ) !== undefined;
    if (sorted.some(recorded)) return sorted;
    // Array.prototype.sort is stable: the rest keep Vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Suites share one PostgreSQL and one Redis; each isolates itself with its own database and queue prefix,
    // so files may run side by side.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Each worker process imports a module once for all the files it runs, not once per file: imports were a third
    // of the run (210 s of 561 s on 2 cores; bench/results/test-suite.md). This holds because every suite sets up
    // what it relies on itself — its own database, queue prefix and ports; the TensorFlow.js backend in beforeAll,
    // put back in afterAll by a suite that changes it — and no suite mutates another's modules.
    isolate: false,
    // Vitest's default on a 2-core machine is one worker (cores − 1), which leaves a core idle while a file waits
    // on PostgreSQL, Redis or a child process; two keep both busy.
    maxWorkers: 2,
    sequence: { sequencer: LongFilesFirst },
  },
});
