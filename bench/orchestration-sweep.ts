import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createTeam } from '@distillery/db';
import { createTestDatabase, type PrismaClient } from '@distillery/db/testing';

/**
 * The orchestration benches' sweep: 1 teacher + n students + n PTQ variants (n = (runs − 1) / 2) on a small
 * synthetic data set with near-zero training, so what is measured is the workflow around the runs. Each call gives
 * the next teacher seed, so every sweep trains its own teacher (none is reused from an earlier sweep).
 */
export const BENCH_SYNTHETIC = { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } };
const TRAIN = { epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.01 } };
let teacherSeed = 1;

export function orchestrationSweep(runs: number) {
  const n = Math.max(1, Math.floor((runs - 1) / 2));
  const seeds = [1, 2, 3, 4, 5].filter((s) => n % s === 0).at(-1) ?? 1;
  const widths = n / seeds;
  return {
    name: `bench-${runs}`,
    dataset: BENCH_SYNTHETIC,
    teacher: { model: { family: 'mlp', hidden: [8], activation: 'relu' }, train: TRAIN, seed: teacherSeed++ },
    students: {
      model: { family: 'mlp', hidden: [4], activation: 'relu' },
      train: TRAIN,
      ...(widths > 1 ? { grid: { 'model.hidden': Array.from({ length: widths }, (_, i) => [1 + (i % 16)]) } } : {}),
    },
    quantize: [{ method: 'ptq', bits: 8 }],
    seeds: Array.from({ length: seeds }, (_, i) => i + 1),
  };
}

/** Resolves once `distillery serve` (the process `api`) answers /healthz at `base`; throws if it exits first. */
export async function waitForServe(api: { exitCode: number | null }, base: string): Promise<void> {
  for (;;) {
    if (api.exitCode !== null) throw new Error(`distillery serve exited (${api.exitCode})`);
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Submits `spec` over the API; its id and when it was submitted. */
export async function submitBenchSweep(
  base: string,
  headers: Record<string, string>,
  spec: object,
): Promise<{ id: string; at: number }> {
  const at = Date.now();
  const res = await fetch(`${base}/v1/sweeps`, { method: 'POST', headers, body: JSON.stringify(spec) });
  if (res.status !== 201) throw new Error(`submit: ${res.status} ${await res.text()}`);
  return { id: ((await res.json()) as { id: string }).id, at };
}

/** When the sweep finished, polled in the database every 20 ms; throws unless it succeeded. */
export async function benchSweepFinished(db: PrismaClient, sweepId: string): Promise<Date> {
  for (;;) {
    const s = await db.sweep.findUniqueOrThrow({ where: { id: sweepId } });
    if (s.state !== 'running') {
      if (s.state !== 'succeeded') throw new Error(`sweep ${sweepId} ${s.state}`);
      return s.finishedAt as Date;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `n` `distillery worker` processes of the checkout at `root` (with node flags `nodeArgs`), once each is ready. */
export async function startBenchWorkers(
  n: number,
  root: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: string[] = [],
): Promise<ChildProcess[]> {
  const workers = Array.from({ length: n }, () =>
    spawn(process.execPath, [...nodeArgs, join(root, 'bin', 'distillery.mjs'), 'worker'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  // Ready when its log says so: the `ready` event on one of its JSON lines. Later lines are read and dropped, so
  // the pipe never fills and nothing accumulates in this process, which also measures the API's latency.
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          const out = w.stdout as Readable;
          const lines = createInterface({ input: out });
          lines.on('line', (line) => {
            if (!isReadyLine(line)) return;
            lines.close();
            out.on('data', () => {}).resume();
            resolve();
          });
        }),
    ),
  );
  return workers;
}

/**
 * What the orchestration benches run against: a fresh migrated database with a team `bench`, a queue prefix of
 * their own on `redisUrl`, an artifact folder, and the environment their `serve` and workers get (`inherited`
 * plus those).
 */
export async function benchDeployment(redisUrl: string, inherited: NodeJS.ProcessEnv = process.env) {
  const database = await createTestDatabase({ prefix: 'distillery_bench' });
  const team = await createTeam(database.store, 'bench');
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const artifactDir = await mkdtemp(join(tmpdir(), 'distillery-bench-'));
  const env = {
    ...inherited,
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    DISTILLERY_QUEUE_PREFIX: prefix,
    DISTILLERY_ARTIFACT_DIR: artifactDir,
    // One key makes every request here: the per-key limit (1,200 a minute by default) would answer 429 instead.
    // A limit this high keeps the limiter's per-request Redis round trip in the measurement.
    DISTILLERY_RATE_LIMIT: '1000000',
  };
  return { database, db: database.db, team, prefix, artifactDir, env };
}

/** Whether a worker's log line carries its `ready` event. */
function isReadyLine(line: string): boolean {
  try {
    return (JSON.parse(line) as { event?: { type?: unknown } }).event?.type === 'ready';
  } catch {
    return false;
  }
}
