/**
 * What reporting progress within an epoch costs training: the same teacher trained with no `onBatch`, with the
 * worker's reporter at its default interval (1 s) and with no interval at all (a write after every batch while
 * none is in flight: the worst case), each write a real `recordBatchProgress` on a running run in PostgreSQL.
 * Variants are interleaved round by round, so drifting load hits them alike; per training it records wall and
 * process CPU time (user + system, this process only: PostgreSQL's own work is not in it) and the writes made.
 *
 * Run: `npx tsx bench/batch-progress-overhead.ts [rounds=5]`. Prints a markdown table (command, machine, load).
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { claimRun, createTeam, recordBatchProgress } from '@distillery/db';
import { createTestDatabase } from '@distillery/db/testing';
import { executeRun, initBackend } from '@distillery/ml';
import { RedisProbe, RunQueue } from '@distillery/queue';
import type { RunConfig } from '@distillery/spec';
import { buildApp } from '../apps/api/src/index.ts';
import { BatchProgressReporter } from '../apps/worker/src/batch-progress-reporter.ts';

const ROUNDS = Number(process.argv[2] ?? 5);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONFIG: RunConfig = {
  kind: 'teacher',
  dataset: { name: 'mnist', limit: { train: 12000, test: 500 } },
  model: { family: 'mlp', hidden: [64], activation: 'relu' },
  train: { epochs: 2, batchSize: 32, optimizer: { name: 'adam', lr: 0.001 } },
  seed: 1,
  distill: null,
  quantize: null,
};

await initBackend('wasm', () => {});
const database = await createTestDatabase({ prefix: 'distillery_bench' });
const team = await createTeam(database.store, 'bench');
// A running run to write the progress of: the teacher of a submitted sweep, claimed as a worker would.
const queue = new RunQueue({ redisUrl: REDIS_URL, prefix: `bench-${randomUUID().slice(0, 8)}` });
const redisProbe = new RedisProbe(REDIS_URL);
const app = await buildApp({ db: database.store, queue, redisProbe, logger: false });
const submitted = await app.inject({
  method: 'POST',
  url: '/v1/sweeps',
  headers: { authorization: `Bearer ${team.apiKey}` },
  payload: {
    name: 'bench',
    dataset: CONFIG.dataset,
    teacher: { model: CONFIG.model, train: CONFIG.train, seed: Date.now() % 1_000_000 },
    students: { model: { family: 'mlp', hidden: [8], activation: 'relu' }, train: CONFIG.train },
  },
});
if (submitted.statusCode !== 201) throw new Error(`submit: ${submitted.statusCode} ${submitted.body}`);
const teacher = await database.db.run.findFirstOrThrow({ where: { sweepId: submitted.json().id, kind: 'teacher' } });
const runId = teacher.id;
if ((await claimRun(database.store, runId, 1, 'bench')) === null) throw new Error('could not claim the bench run');

interface Sample {
  wallMs: number;
  cpuMs: number;
  writes: number;
}

async function train(intervalMs: number | null): Promise<Sample> {
  let writes = 0;
  const reporter =
    intervalMs === null
      ? null
      : new BatchProgressReporter(
          async (p) => {
            writes++;
            await recordBatchProgress(database.store, runId, { attempt: 1, ...p });
          },
          intervalMs,
          (e) => console.error(e),
        );
  const cpu = process.cpuUsage();
  const started = performance.now();
  await executeRun({ config: CONFIG, ...(reporter ? { onBatch: (p) => reporter.report(p) } : {}) });
  await reporter?.settle();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000, writes };
}

const VARIANTS = [
  ['no onBatch', null],
  ['reporter, 1000 ms (default)', 1000],
  ['reporter, 0 ms (every batch)', 0],
] as const;
await train(null); // warm-up: data set load, wasm compile
const samples = new Map<string, Sample[]>(VARIANTS.map(([name]) => [name, []]));
const loadBefore = loadavg();
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order each round, so no variant always runs first.
  for (let i = 0; i < VARIANTS.length; i++) {
    const [name, interval] = VARIANTS[(round + i) % VARIANTS.length] as (typeof VARIANTS)[number];
    samples.get(name)?.push(await train(interval));
  }
}
const loadAfter = loadavg();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const base = samples.get('no onBatch') as Sample[];
console.log(`\`npx tsx bench/batch-progress-overhead.ts ${ROUNDS}\`, ${new Date().toISOString()}`);
console.log(
  `${cpus().length} × ${cpus()[0]?.model}; load average before ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, ` +
    `after ${loadAfter.map((l) => l.toFixed(1)).join(' ')}`,
);
console.log(
  `teacher mlp 64 on ${CONFIG.dataset.limit?.train} MNIST rows, 2 epochs of ${Math.ceil(12000 / 32)} batches, tfjs wasm; ` +
    `median of ${ROUNDS} interleaved rounds; ratio: the variant's wall (CPU) time over no onBatch's in the same round, median\n`,
);
console.log('| variant | writes | wall ms | CPU ms | wall ratio | CPU ratio |');
console.log('|---|---|---|---|---|---|');
for (const [name] of VARIANTS) {
  const xs = samples.get(name) as Sample[];
  const wallRatio = median(xs.map((s, i) => s.wallMs / (base[i] as Sample).wallMs));
  const cpuRatio = median(xs.map((s, i) => s.cpuMs / (base[i] as Sample).cpuMs));
  console.log(
    `| ${name} | ${median(xs.map((s) => s.writes))} | ${median(xs.map((s) => s.wallMs)).toFixed(0)} | ` +
      `${median(xs.map((s) => s.cpuMs)).toFixed(0)} | ${wallRatio.toFixed(3)} | ${cpuRatio.toFixed(3)} |`,
  );
}
await app.close();
await queue.queue.obliterate({ force: true }).catch(() => {});
await queue.close();
await redisProbe.close();
await database.drop();
