/**
 * Phase 2 of bench/orchestration.ts alone, repeated, with the CPU each process spent per run beside the wall time:
 * a sweep of RUNS runs (1 teacher, students, PTQ variants; near-zero training) on WORKERS real `distillery worker`
 * processes, ROUNDS times, submitted over `distillery serve`. Prints, per round: wall time, the runs' own execution,
 * the per-run overhead as bench/orchestration.ts computes it, and the CPU ms per run of the workers (main and
 * training threads), the bench database's PostgreSQL backends, Redis and the serve process, read from /proc —
 * numbers that move less with the machine's load than the wall time does.
 *
 * Run: `DISTILLERY_PACK_MAX=1 DISTILLERY_THREADS=1 npx tsx bench/orchestration-throughput.ts [runs=201] [workers=2] [rounds=3]`.
 * `WORKER_NODE_OPTIONS` are node flags for the workers only (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { RunQueue } from '@distillery/queue';
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
const WORKERS = Number(process.argv[3] ?? 2);
const ROUNDS = Number(process.argv[4] ?? 3);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = join(import.meta.dirname, '..');

const { WORKER_NODE_OPTIONS, ...inherited } = process.env;
const { database, db, team, prefix, artifactDir, env } = await benchDeployment(REDIS_URL, inherited);

const port = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  });
});
const api = spawn(process.execPath, [join(ROOT, 'bin', 'distillery.mjs'), 'serve', '--port', String(port)], {
  cwd: ROOT,
  env,
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
await waitForServe(api, base);
const auth = { authorization: `Bearer ${team.apiKey}`, 'content-type': 'application/json' };

const workerArgs = WORKER_NODE_OPTIONS ? WORKER_NODE_OPTIONS.split(' ').filter(Boolean) : [];
const workers = await startBenchWorkers(WORKERS, ROOT, env, workerArgs);

const submit = (spec: object) => submitBenchSweep(base, auth, spec);
const finished = (sweepId: string) => benchSweepFinished(db, sweepId);

function pidsWhose(cmdline: (text: string) => boolean): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (cmdline(readFileSync(`/proc/${d}/cmdline`, 'utf8'))) pids.push(Number(d));
    } catch {
      // Not ours to read, or gone.
    }
  }
  return pids;
}
const dbName = ` ${new URL(database.url).pathname.slice(1)} `;
const groups = () => ({
  workers: workers.map((w) => w.pid as number),
  postgres: pidsWhose((c) => c.includes(dbName)),
  redis: pidsWhose((c) => c.startsWith('redis-server')),
  serve: [api.pid as number],
  bench: [process.pid],
});
function grown(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');

const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
console.log(`commit ${commit}, ${WORKERS} worker(s), ${RUNS} runs × ${ROUNDS} rounds, load ${load()}`);
await finished((await submit(orchestrationSweep(3))).id);
for (let round = 1; round <= ROUNDS; round++) {
  const g0 = groups();
  const before = Object.fromEntries(Object.entries(g0).map(([k, pids]) => [k, processesCpuMs(pids)]));
  const { id, at } = await submit(orchestrationSweep(RUNS));
  const end = await finished(id);
  const g1 = groups();
  const cpu = Object.entries(g1).map(
    ([k, pids]) => `${k} ${(grown(before[k] as Map<number, number>, processesCpuMs(pids)) / RUNS).toFixed(1)}`,
  );
  const wall = (end.getTime() - at) / 1000;
  const runs = await db.run.count({ where: { sweepId: id } });
  const rows = await db.result.findMany({ where: { run: { sweepId: id } }, select: { seconds: true } });
  const executing = rows.reduce((s, r) => s + r.seconds, 0);
  const overhead = ((wall * WORKERS - executing) / runs) * 1000;
  console.log(
    `round ${round}: ${runs} runs in ${wall.toFixed(2)} s; execution ${((executing / runs) * 1000).toFixed(1)} ms/run, ` +
      `overhead ${overhead.toFixed(1)} ms/run; CPU ms/run: ${cpu.join(', ')}; load ${load()}`,
  );
}

await Promise.all(
  workers.map((w) => {
    const exited = new Promise((r) => w.once('exit', r));
    w.kill('SIGTERM');
    return exited;
  }),
);
api.kill('SIGTERM');
await new Promise((r) => api.once('exit', r));
const queue = new RunQueue({ redisUrl: REDIS_URL, prefix });
await queue.queue.obliterate({ force: true });
await queue.close();
if (process.env.KEEP_DB) console.log(`kept ${database.url}`);
else await database.drop();
await rm(artifactDir, { recursive: true, force: true });
