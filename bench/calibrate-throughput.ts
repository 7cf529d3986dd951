/**
 * Measures the throughput calibration a dry run estimates from where its store has measured nothing, and writes
 * it to packages/spec/src/run-time/throughput-calibration.ts.
 *
 * The shapes are the example sweeps' (examples/*.yaml: their teachers, every student of their grids, their
 * quantized variants), each example cut to --seeds seeds (2), --epochs epochs (2) and at most --rows training
 * rows (5000) and --test test rows (2000), so the whole calibration takes minutes. Every planned run executes with packages/ml's executeRun in one
 * process, parents first, as the in-process executor runs a sweep (a teacher's logits computed once for its
 * students); each run's wall time and its epochs' seconds become timings, and measureThroughput (packages/spec)
 * turns them into rates: the same arithmetic a dry run applies to a store's own results.
 *
 * Run: `npx tsx bench/calibrate-throughput.ts [--rows 5000] [--test 2000] [--epochs 2] [--seeds 2] [--backend wasm]`, on a machine as
 * idle as you can get (the load average is written into the file).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executeRun, initBackend, type ModelArtifact } from '@distillery/ml';
import {
  expandSweep,
  measureThroughput,
  parseDocument,
  type RunTiming,
  SweepSpec,
  type ThroughputRate,
} from '@distillery/spec';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'packages/spec/src/run-time/throughput-calibration.ts');
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const maxRows = Number(option('rows', '5000'));
const maxTest = Number(option('test', '2000'));
const epochs = Number(option('epochs', '2'));
const seeds = Array.from({ length: Number(option('seeds', '2')) }, (_, i) => i + 1);

/** An example cut to `seeds`, `epochs` and at most maxRows/maxTest rows: the same shapes, less of each. */
function cut(spec: SweepSpec): SweepSpec {
  const limit = {
    train: Math.min(spec.dataset.limit?.train ?? maxRows, maxRows),
    test: Math.min(spec.dataset.limit?.test ?? maxTest, maxTest),
  };
  const cutEpochs = <T extends { epochs: number }>(t: T): T => ({ ...t, epochs });
  return {
    ...spec,
    dataset: { ...spec.dataset, limit },
    teacher: 'train' in spec.teacher ? { ...spec.teacher, train: cutEpochs(spec.teacher.train) } : spec.teacher,
    students: { ...spec.students, train: cutEpochs(spec.students.train) },
    seeds,
  };
}

// The code measured is the tree at the start (a rebase during the run changes HEAD, not the loaded modules).
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
const backend = await initBackend((option('backend', 'wasm') as 'wasm') ?? 'wasm', () => {});
const loadBefore = loadavg();
const started = Date.now();
const timings: RunTiming[] = [];
const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml'));
for (const file of examples.sort()) {
  const spec = cut(SweepSpec.parse(parseDocument(readFileSync(join(ROOT, 'examples', file), 'utf8'), 'yaml')));
  const artifacts = new Map<string, ModelArtifact>();
  for (const run of expandSweep(spec)) {
    const parent = run.parentKey === null ? undefined : artifacts.get(run.parentKey);
    let epochSeconds = 0;
    let epochs = 0;
    const t0 = performance.now();
    const outcome = await executeRun({
      config: run.config,
      ...(parent ? { parent } : {}),
      onEpoch: (m) => {
        epochSeconds += m.seconds;
        epochs += 1;
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    artifacts.set(run.key, outcome.artifact);
    timings.push({ config: run.config, backend, seconds, epochSeconds, epochs });
    console.log(`${file} ${run.key} ${seconds.toFixed(2)} s (${epochs} epochs, ${epochSeconds.toFixed(2)} s)`);
  }
}
const loadAfter = loadavg();
const rates = measureThroughput(timings).sort((a, b) => a.shape.localeCompare(b.shape));
const measuredOn = {
  date: new Date(started).toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`,
  backend,
  commit,
  command: `npx tsx bench/calibrate-throughput.ts ${args.join(' ')}`.trim(),
  loadAverage: { before: loadBefore.map(round2), after: loadAfter.map(round2) },
  minutes: round2((Date.now() - started) / 60_000),
};
writeFileSync(OUT, render(rates, measuredOn));
execFileSync('npx', ['biome', 'format', '--write', OUT], { cwd: ROOT, stdio: 'inherit' });
console.log(`${rates.length} rates from ${timings.length} runs → ${OUT}`);

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function render(table: ThroughputRate[], on: typeof measuredOn): string {
  return `// Generated by bench/calibrate-throughput.ts from real runs; measure again with the command below, do not edit.
// biome-ignore-all lint/suspicious/noApproximativeNumericConstant: measured rates (1.414 ms is not √2)
import type { ThroughputRate } from './throughput-rate.ts';

/** Where and when the calibration was measured (a shared machine: its load average is part of the number). */
export const THROUGHPUT_CALIBRATION_MEASURED = ${JSON.stringify(on, null, 2)} as const;

/**
 * Throughput per backend × shape of the example sweeps' shapes, measured by bench/calibrate-throughput.ts: what a
 * dry run estimates from for shapes its store has not run yet.
 */
export const THROUGHPUT_CALIBRATION: readonly ThroughputRate[] = ${JSON.stringify(
    table.map((r) => ({
      ...r,
      epochSecondsPerRow: Number(r.epochSecondsPerRow.toPrecision(4)),
      otherSecondsPerRow: Number(r.otherSecondsPerRow.toPrecision(4)),
      msPerStep: r.msPerStep === null ? null : Number(r.msPerStep.toPrecision(4)),
    })),
    null,
    2,
  )};
`;
}
