/**
 * Where `GET /v1/sweeps/:id` spends a `distillery serve` process's CPU: a 601-run sweep (no worker, so it stays
 * queued), the real `serve` under `node --cpu-prof`, autocannon at a fixed rate, then the profile's self time
 * summed per function. Run: `npx tsx bench/sweep-read-profile.ts [rate=500] [seconds=10] [profileDir]`.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTeam } from '@distillery/db';
import { createTestDatabase } from '@distillery/db/testing';
import autocannon from 'autocannon';
import { waitForServe } from './orchestration-sweep.ts';
import { processCpuMs } from './process-cpu.ts';

const RATE = Number(process.argv[2] ?? 500);
const SECONDS = Number(process.argv[3] ?? 10);
const ROOT = join(import.meta.dirname, '..');
const profileDir = process.argv[4] ?? (await mkdtemp(join(tmpdir(), 'distillery-prof-')));

const database = await createTestDatabase({ prefix: 'distillery_bench' });
const team = await createTeam(database.store, 'bench');
const artifactDir = await mkdtemp(join(tmpdir(), 'distillery-bench-'));
const port = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  });
});
const env = {
  ...process.env,
  DATABASE_URL: database.url,
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  DISTILLERY_QUEUE_PREFIX: `prof-${randomUUID().slice(0, 8)}`,
  DISTILLERY_ARTIFACT_DIR: artifactDir,
  DISTILLERY_RATE_LIMIT: '1000000',
};
const api = spawn(
  process.execPath,
  [`--cpu-prof`, `--cpu-prof-dir=${profileDir}`, join(ROOT, 'bin', 'distillery.mjs'), 'serve', '--port', String(port)],
  { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] },
);
const base = `http://127.0.0.1:${port}`;
await waitForServe(api, base);
const headers = { authorization: `Bearer ${team.apiKey}`, 'content-type': 'application/json' };
const spec = {
  name: 'profile',
  dataset: { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } },
  teacher: {
    model: { family: 'mlp', hidden: [8], activation: 'relu' },
    train: { epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.01 } },
    seed: 1,
  },
  students: {
    model: { family: 'mlp', hidden: [4], activation: 'relu' },
    train: { epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.01 } },
    grid: { 'model.hidden': Array.from({ length: 60 }, (_, i) => [1 + (i % 16)]) },
  },
  quantize: [{ method: 'ptq', bits: 8 }],
  seeds: [1, 2, 3, 4, 5],
};
const res = await fetch(`${base}/v1/sweeps`, { method: 'POST', headers, body: JSON.stringify(spec) });
if (res.status !== 201) throw new Error(`submit ${res.status} ${await res.text()}`);
const { id } = (await res.json()) as { id: string };
/** utime + stime of the processes, in ms (from /proc); ended ones count 0. */
const cpuOf = (pids: number[]): number => pids.reduce((ms, pid) => ms + (processCpuMs(pid) ?? 0), 0);
/** The PostgreSQL backends connected to the database (their process titles name it). */
async function backendsOf(name: string): Promise<number[]> {
  const pids: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(` ${name} `)) pids.push(Number(d));
    } catch {}
  }
  return pids;
}
const hammer = (seconds: number) =>
  autocannon({
    url: `${base}/v1/sweeps/${id}`,
    connections: 20,
    duration: seconds,
    overallRate: RATE,
    headers: { authorization: headers.authorization },
  });
await hammer(2);
const load = loadavg()
  .map((x) => x.toFixed(2))
  .join(', ');
const dbName = new URL(database.url).pathname.slice(1);
const before = { api: cpuOf([api.pid as number]), pg: cpuOf(await backendsOf(dbName)) };
const from = process.hrtime.bigint() / 1000n;
const r = await hammer(SECONDS);
const to = process.hrtime.bigint() / 1000n;
const after = { api: cpuOf([api.pid as number]), pg: cpuOf(await backendsOf(dbName)) };
console.log(
  `CPU per request: serve ${((after.api - before.api) / r.requests.total).toFixed(3)} ms, ` +
    `its PostgreSQL backends ${((after.pg - before.pg) / r.requests.total).toFixed(3)} ms`,
);
console.log(
  `load ${load}; ${r.requests.total} requests, p50 ${r.latency.p50} p90 ${r.latency.p90} p99 ${r.latency.p99} max ${r.latency.max} non2xx ${r.non2xx}`,
);
api.kill('SIGTERM');
await new Promise((r) => api.once('exit', r));

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const file = (await readdir(profileDir)).find((f) => f.endsWith('.cpuprofile'));
if (file) {
  const prof = JSON.parse(await readFile(join(profileDir, file), 'utf8')) as {
    nodes: Node[];
    samples: number[];
    timeDeltas: number[];
    startTime: number;
  };
  const self = new Map<number, number>();
  // Only the samples of the measured seconds (the profile's clock is the monotonic one hrtime reads).
  let at = prof.startTime;
  prof.samples.forEach((n, i) => {
    at += prof.timeDeltas[i] ?? 0;
    if (at >= Number(from) && at <= Number(to)) self.set(n, (self.get(n) ?? 0) + (prof.timeDeltas[i] ?? 0));
  });
  const byNode = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self.entries()]
    .filter(([n]) => byNode.get(n)?.callFrame.functionName === '(idle)')
    .reduce((a, [, t]) => a + t, 0);
  // Inclusive time per "area": the nearest frame whose url names a package we care about.
  const area = (id: number): string => {
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const url = byNode.get(n)?.callFrame.url ?? '';
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
      if (m) return m[1] as string;
      if (url.includes('/apps/') || url.includes('/packages/')) return url.replace(/.*\/(apps|packages)\//, '$1/');
      if (url.startsWith('node:')) return url;
    }
    return byNode.get(id)?.callFrame.functionName ?? '?';
  };
  const areas = new Map<string, number>();
  for (const [n, t] of self) areas.set(area(n), (areas.get(area(n)) ?? 0) + t);
  console.log(
    `busy ${((total - idle) / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms profiled; per request ${((total - idle) / 1000 / r.requests.total).toFixed(3)} ms`,
  );
  for (const [a, t] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, 30))
    console.log(`${(t / 1000).toFixed(0).padStart(7)} ms  ${a}`);
  const fns = new Map<string, number>();
  for (const [n, t] of self) {
    const f = byNode.get(n)?.callFrame;
    const k = `${f?.functionName} ${f?.url.replace(/.*node_modules\//, '')}:${f?.lineNumber}`;
    fns.set(k, (fns.get(k) ?? 0) + t);
  }
  for (const [a, t] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, 30))
    console.log(`${(t / 1000).toFixed(0).padStart(7)} ms  ${a}`);
}
await database.drop();
await rm(artifactDir, { recursive: true, force: true });
