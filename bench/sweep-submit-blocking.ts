/**
 * How long `POST /v1/sweeps` keeps the API's event loop busy for a sweep at the 5,000-run ceiling, as a dry run
 * and as a submission: while the handler computes (expansion, hashes, identities, the plan) no other request is
 * served. Each request goes through `app.inject` against real PostgreSQL and Redis, one at a time; per request
 * it records the wall time, the event loop's busy time (`performance.eventLoopUtilization`) and its longest
 * single block (`monitorEventLoopDelay`, 1 ms resolution: the histogram's max is the longest wait for a tick).
 * Each submission gets a new teacher seed, so nothing is reused.
 *
 * Run: `npx tsx bench/sweep-submit-blocking.ts [repeats=5]`. Prints a markdown table (command, machine, load).
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createTeam } from '@distillery/db';
import { createTestDatabase } from '@distillery/db/testing';
import { RedisProbe, RunQueue } from '@distillery/queue';
import { buildApp } from '../apps/api/src/index.ts';

const REPEATS = Number(process.argv[2] ?? 5);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TRAIN = { epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } };
let teacherSeed = 1;

/** 1 teacher + 833 grid points × 2 seeds × (a student, its 8-bit and 4-bit PTQ variants) = 4,999 runs. */
function sweep() {
  return {
    name: 'blocking',
    dataset: { name: 'mnist', limit: { train: 1000, test: 200 } },
    teacher: { model: { family: 'mlp', hidden: [64], activation: 'relu' }, train: TRAIN, seed: teacherSeed++ },
    students: {
      model: { family: 'mlp', hidden: [8], activation: 'relu' },
      train: TRAIN,
      grid: {
        'model.hidden': Array.from({ length: 49 }, (_, i) => [4 + i]),
        'train.optimizer.lr': Array.from({ length: 17 }, (_, i) => 0.0001 * (i + 1)),
      },
    },
    quantize: [
      { method: 'ptq', bits: 8 },
      { method: 'ptq', bits: 4 },
    ],
    seeds: [1, 2],
  };
}

const database = await createTestDatabase({ prefix: 'distillery_bench' });
const queue = new RunQueue({ redisUrl: REDIS_URL, prefix: `bench-${randomUUID().slice(0, 8)}` });
const redisProbe = new RedisProbe(REDIS_URL);
const team = await createTeam(database.store, 'bench');
const app = await buildApp({ db: database.store, queue, redisProbe, logger: false, queuedRunQuota: false });
await app.ready();

interface Sample {
  wallMs: number;
  busyMs: number;
  longestBlockMs: number;
  runs: number;
}

async function measure(url: string, expected: number): Promise<Sample> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const before = performance.eventLoopUtilization();
  histogram.enable();
  const started = performance.now();
  const res = await app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${team.apiKey}` },
    payload: sweep(),
  });
  const wallMs = performance.now() - started;
  histogram.disable();
  const busy = performance.eventLoopUtilization(before);
  if (res.statusCode !== expected) throw new Error(`POST ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  const body = res.json() as { runCount?: number; runs?: { total?: number } | unknown[] };
  return {
    wallMs,
    busyMs: busy.active,
    longestBlockMs: histogram.max / 1e6,
    runs: body.runCount ?? 0,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const rows: string[] = [];
// One untimed request of each kind first: module loading and JIT warm-up are not the handler's cost.
await measure('/v1/sweeps?dryRun=true', 200);
await measure('/v1/sweeps', 201);
for (const [name, url, code] of [
  ['dry run', '/v1/sweeps?dryRun=true', 200],
  ['submit', '/v1/sweeps', 201],
] as const) {
  const samples: Sample[] = [];
  for (let i = 0; i < REPEATS; i++) samples.push(await measure(url, code));
  const runs = samples[0]?.runs ? `${samples[0].runs}` : '4999';
  rows.push(
    `| ${name} | ${runs} | ${median(samples.map((s) => s.wallMs)).toFixed(0)} | ` +
      `${median(samples.map((s) => s.busyMs)).toFixed(0)} | ${median(samples.map((s) => s.longestBlockMs)).toFixed(0)} | ` +
      `${samples.map((s) => s.longestBlockMs.toFixed(0)).join(', ')} |`,
  );
}

console.log(`\`npx tsx bench/sweep-submit-blocking.ts ${REPEATS}\`, ${new Date().toISOString()}`);
console.log(
  `${cpus().length} × ${cpus()[0]?.model}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(`median of ${REPEATS} each, after one warm-up request of each kind\n`);
console.log('| request | runs | wall ms | event loop busy ms | longest block ms | longest block, each |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);

await app.close();
await queue.queue.obliterate({ force: true }).catch(() => {});
await queue.close();
await redisProbe.close();
await database.drop();
