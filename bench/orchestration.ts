/**
 * Orchestration overhead of the workflow, with near-zero training: tiny runs on generated
 * data (a 4×4 synthetic data set, one epoch, MLPs of a few units), executed by real `distillery worker`
 * processes against PostgreSQL and Redis, submitted over the real HTTP API.
 *
 * 1. submit → first run started: POST /v1/sweeps of a 3-run sweep to its teacher's `started_at`, idle workers.
 * 2. throughput: a sweep of RUNS runs on 1 and on 2 workers, submit to the sweep's `finished_at`; the per-run
 *    overhead is (wall time × workers − the runs' own execution seconds) / runs — everything that is not
 *    packages/ml: claim, epoch and result writes, events, enqueueing children, BullMQ hand-offs.
 * 3. API latency: autocannon (in this process) on GET /v1/sweeps/:id at a fixed rate against a `distillery serve`
 *    process, idle and while 2 workers run a sweep, with `/healthz` at a tenth of the rate in the same seconds.
 *
 * Every process is the real CLI: `distillery serve` and `distillery worker` with default settings, on one machine
 * with PostgreSQL and Redis. Run: `npx tsx bench/orchestration.ts [runs=201] [rate=500] [seconds=10]`.
 * Appends to bench/results/orchestration.md (command, commit, machine, load, date, numbers; the API latency with the
 * CPU the serve process and its PostgreSQL backends spent per request, read from /proc, which moves less with the
 * load than the latency does).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { appendFile, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { RunQueue } from '@distillery/queue';
import autocannon from 'autocannon';
import {
  benchDeployment,
  benchSweepFinished,
  orchestrationSweep,
  startBenchWorkers,
  submitBenchSweep,
  waitForServe,
} from './orchestration-sweep.ts';
import { processesCpuMs } from './process-cpu.ts';

const RUNS = Number(process.argv[2] ?? 201);
const RATE = Number(process.argv[3] ?? 500);
const SECONDS = Number(process.argv[4] ?? 10);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = join(import.meta.dirname, '..');

const { database, db, team, prefix, artifactDir, env } = await benchDeployment(REDIS_URL);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
const port = await freePort();
const api = spawn(process.execPath, [join(ROOT, 'bin', 'distillery.mjs'), 'serve', '--port', String(port)], {
  cwd: ROOT,
  env,
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
await waitForServe(api, base);
const auth = { authorization: `Bearer ${team.apiKey}`, 'content-type': 'application/json' };

type Worker = ReturnType<typeof spawn>;
const startWorkers = (n: number): Promise<Worker[]> => startBenchWorkers(n, ROOT, env);
async function stopWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(
    workers.map((w) => {
      const exited = new Promise((r) => w.once('exit', r));
      w.kill('SIGTERM');
      return exited;
    }),
  );
}

const submit = (spec: object) => submitBenchSweep(base, auth, spec);

const finished = (sweepId: string) => benchSweepFinished(db, sweepId);

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

const report: string[] = [];
const say = (line: string) => {
  console.log(line);
  report.push(line);
};
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
say(`# Orchestration overhead — ${new Date().toISOString()}`);
say('');
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
const settings = ['DISTILLERY_PACK_MAX', 'DISTILLERY_THREADS', 'DISTILLERY_WORKER_NICE']
  .filter((name) => process.env[name] !== undefined)
  .map((name) => `${name}=${process.env[name]} `)
  .join('');
say(`- command: \`${settings}npx tsx bench/orchestration.ts ${RUNS} ${RATE} ${SECONDS}\` (commit ${commit})`);
say(
  `- machine: ${cpus().length} × ${cpus()[0]?.model}, node ${process.version}; PostgreSQL and Redis on the same machine`,
);
say(`- load average at start: ${load()} (other sessions share these cores; numbers move with it)`);
say('');

// 1. Submit → first run started, with one idle worker (each sweep finished before the next).
{
  const workers = await startWorkers(1);
  // Warm-up: the worker's first run loads the data set code paths and compiles wasm kernels.
  await finished((await submit(orchestrationSweep(3))).id);
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const { id, at } = await submit(orchestrationSweep(3));
    await finished(id);
    const teacher = await db.run.findFirstOrThrow({ where: { sweepId: id, kind: 'teacher' } });
    latencies.push((teacher.startedAt as Date).getTime() - at);
  }
  say(
    `- submit → first run started (20 sweeps, 1 idle worker): median ${ms(quantile(latencies, 0.5))}, ` +
      `p95 ${ms(quantile(latencies, 0.95))}, max ${ms(Math.max(...latencies))}`,
  );
  await stopWorkers(workers);
}

// 2. Throughput on 1 and 2 workers.
for (const n of [1, 2]) {
  const workers = await startWorkers(n);
  await finished((await submit(orchestrationSweep(3))).id);
  const { id, at } = await submit(orchestrationSweep(RUNS));
  const end = await finished(id);
  const wall = (end.getTime() - at) / 1000;
  const runs = await db.run.count({ where: { sweepId: id } });
  const rows = await db.result.findMany({ where: { run: { sweepId: id } }, select: { seconds: true } });
  const executing = rows.reduce((s, r) => s + r.seconds, 0);
  const overhead = ((wall * n - executing) / runs) * 1000;
  say(
    `- ${n} worker(s): ${runs} runs in ${wall.toFixed(2)} s = ${(runs / wall).toFixed(1)} runs/s; ` +
      `execution (packages/ml + parent load) ${((executing / runs) * 1000).toFixed(1)} ms/run, ` +
      `orchestration overhead ${overhead.toFixed(1)} ms/run`,
  );
  await stopWorkers(workers);
}

// 3. API latency at a fixed rate: first with no worker running, then while 2 workers run a sweep.
/** The PostgreSQL backends connected to the bench's database (their process titles name it). */
async function backends(): Promise<number[]> {
  const name = ` ${new URL(database.url).pathname.slice(1)} `;
  const pids: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(name)) pids.push(Number(d));
    } catch {
      // Not ours to read, or gone.
    }
  }
  return pids;
}
/** CPU spent between two readings: each process's growth, a new one's whole (one that ended meanwhile is lost). */
function grown(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}
/** The serve process's and its PostgreSQL backends' CPU while `work` runs, in ms per request it made. */
async function cpuPerRequest<T extends { requests: { total: number } }>(work: Promise<T>): Promise<[T, string]> {
  const serve = [api.pid as number];
  const before = [processesCpuMs(serve), processesCpuMs(await backends())] as const;
  const result = await work;
  const n = Math.max(1, result.requests.total);
  const serveMs = grown(before[0], processesCpuMs(serve)) / n;
  const pgMs = grown(before[1], processesCpuMs(await backends())) / n;
  return [
    result,
    `serve CPU ${serveMs.toFixed(2)} ms/request; the bench database's PostgreSQL backends (any worker's included) ` +
      `${pgMs.toFixed(2)} ms/request`,
  ];
}
async function hammer(sweepId: string) {
  return autocannon({
    url: `${base}/v1/sweeps/${sweepId}`,
    connections: 20,
    duration: SECONDS,
    overallRate: RATE,
    headers: { authorization: auth.authorization },
  });
}
/** `/healthz` (no key, no database) at a tenth of the rate, alongside: the floor the server itself sets. */
async function hammerHealthz() {
  return autocannon({ url: `${base}/healthz`, connections: 4, duration: SECONDS, overallRate: Math.max(1, RATE / 10) });
}
const describeLatency = (r: Awaited<ReturnType<typeof hammer>>) =>
  `${r.requests.total} requests (${(r.requests.total / SECONDS).toFixed(0)}/s), p50 ${r.latency.p50} ms, ` +
  `p90 ${r.latency.p90} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms, non-2xx ${r.non2xx}, errors ${r.errors}`;
{
  const { id } = await submit(orchestrationSweep(RUNS));
  const [[result, cpu], healthz] = await Promise.all([cpuPerRequest(hammer(id)), hammerHealthz()]);
  say(`- GET /v1/sweeps/:id at ${RATE} req/s for ${SECONDS} s, no worker running: ${describeLatency(result)}`);
  say(`  - ${cpu} (/healthz's included)`);
  say(`  - /healthz at ${Math.max(1, RATE / 10)} req/s in the same ${SECONDS} s: ${describeLatency(healthz)}`);
}
{
  const workers = await startWorkers(2);
  // More runs than 2 workers finish in the phase (about 60-90 a second on 2 cores), so they train throughout it.
  const { id } = await submit(orchestrationSweep(Math.max(RUNS, 100 * SECONDS * 2 + 1)));
  const [[result, cpu], healthz] = await Promise.all([cpuPerRequest(hammer(id)), hammerHealthz()]);
  const progress = await db.run.count({ where: { sweepId: id, state: 'succeeded' } });
  say(
    `- GET /v1/sweeps/:id at ${RATE} req/s for ${SECONDS} s while 2 workers ran (${progress} runs finished ` +
      `meanwhile): ${describeLatency(result)}`,
  );
  say(`  - ${cpu} (/healthz's included)`);
  say(`  - /healthz at ${Math.max(1, RATE / 10)} req/s in the same ${SECONDS} s: ${describeLatency(healthz)}`);
  say(`  - p99 ratio /v1/sweeps/:id ÷ /healthz: ${(result.latency.p99 / Math.max(1, healthz.latency.p99)).toFixed(1)}`);
  await stopWorkers(workers);
}

say(`- load average at end: ${load()}`);
// Appended: the file keeps every run's section, newest last.
await appendFile(join(ROOT, 'bench', 'results', 'orchestration.md'), `\n${report.join('\n')}\n`);

api.kill('SIGTERM');
await new Promise((r) => api.once('exit', r));
const queue = new RunQueue({ redisUrl: REDIS_URL, prefix });
await queue.queue.obliterate({ force: true });
await queue.close();
await database.drop();
await rm(artifactDir, { recursive: true, force: true });
