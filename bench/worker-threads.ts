/**
 * Runs per second of one real `distillery worker` process with `--threads 1` and `--threads 2`: the training
 * pool's gain on this machine. Each round submits one sweep — an MNIST-slice teacher, then `students` KD
 * students that are all ready at once (widths × seeds) — to a fresh worker with the given thread count, and
 * measures from PostgreSQL's timestamps:
 *
 * - students/s: the students' count over the span from the first student's start to the last one's finish (the
 *   phase where every thread has work; the teacher trains alone before it);
 * - wall: submit → sweep finished;
 * - worker CPU: the worker process's user + system seconds over the sweep (/proc/<pid>/stat), and CPU/wall;
 * - the 1-minute load average before and after (other work on the machine competes for the same cores).
 *
 * Packing is off (DISTILLERY_PACK_MAX=1): each student is its own job, one per thread. Thread counts alternate round by round (1, 2, 1, 2, …) so that changes in the machine's load fall on both.
 * Run: `npx tsx bench/worker-threads.ts [rounds=2] [students=12]` → bench/results/worker-threads.md.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '@distillery/api';
import { createTeam } from '@distillery/db';
import { createTestDatabase } from '@distillery/db/testing';
import { RedisProbe, RunQueue } from '@distillery/queue';

const ROUNDS = Number(process.argv[2] ?? 2);
const STUDENTS = Number(process.argv[3] ?? 12);
const THREADS = [1, 2];
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = join(import.meta.dirname, '..');
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

const TRAIN = { epochs: 3, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } };
const ROWS = 20_000;
let teacherSeed = 1;

const SEEDS = [1, 2, 3];
const WIDTHS = Array.from({ length: Math.max(1, Math.round(STUDENTS / SEEDS.length)) }, (_, i) => 96 + 16 * i);

/** The measured sweep: a teacher, then STUDENTS students of one teacher, all ready when it finishes. */
function sweep() {
  return {
    name: `bench-threads-${teacherSeed}`,
    dataset: { name: 'mnist', limit: { train: ROWS, test: 2000 } },
    teacher: { model: { family: 'mlp', hidden: [256], activation: 'relu' }, train: TRAIN, seed: teacherSeed++ },
    students: {
      model: { family: 'mlp', hidden: [32], activation: 'relu' },
      train: TRAIN,
      distill: { temperature: 2, alpha: 0.7 },
      grid: { 'model.hidden': WIDTHS.map((w) => [w]) },
    },
    seeds: SEEDS,
  };
}

/**
 * A warm-up before each measurement: tiny runs on the same data set, enough at once to start every training
 * thread (a long-lived worker starts them once) and to load the data set into the process's cache.
 */
function warmUp() {
  return {
    name: `bench-threads-warm-up-${teacherSeed}`,
    dataset: { name: 'mnist', limit: { train: 1000, test: 200 } },
    teacher: {
      model: { family: 'mlp', hidden: [8], activation: 'relu' },
      train: { ...TRAIN, epochs: 1 },
      seed: teacherSeed++,
    },
    students: {
      model: { family: 'mlp', hidden: [4], activation: 'relu' },
      train: { ...TRAIN, epochs: 1 },
      distill: { temperature: 2, alpha: 0.7 },
    },
    seeds: [1, 2, 3, 4],
  };
}

/** user + system CPU seconds of a process so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

const database = await createTestDatabase({ prefix: 'distillery_bench' });
const db = database.db;
const team = await createTeam(database.store, 'bench');
const prefix = `bench-threads-${randomUUID().slice(0, 8)}`;
const queue = new RunQueue({ redisUrl: REDIS_URL, prefix });
const probe = new RedisProbe(REDIS_URL);
const app = await buildApp({ db: database.store, queue, redisProbe: probe });
const artifactDir = await mkdtemp(join(tmpdir(), 'distillery-bench-'));

async function submit(spec: object): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/sweeps',
    headers: { authorization: `Bearer ${team.apiKey}` },
    payload: spec,
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json().id as string;
}

async function finish(sweepId: string): Promise<void> {
  for (;;) {
    const s = await db.sweep.findUniqueOrThrow({ where: { id: sweepId } });
    if (s.state === 'succeeded') return;
    if (s.state !== 'running') throw new Error(`sweep ${s.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function round(threads: number) {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'distillery.mjs'), 'worker', '--threads', String(threads)], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      REDIS_URL,
      DISTILLERY_QUEUE_PREFIX: prefix,
      DISTILLERY_ARTIFACT_DIR: artifactDir,
      // Every student its own job, so that the threads' gain is measured apart from packing's.
      DISTILLERY_PACK_MAX: '1',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (String(d).includes('"type":"ready"')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready`)));
  });
  await finish(await submit(warmUp()));
  const loadBefore = loadavg()[0] as number;
  const cpuBefore = cpuSeconds(child.pid as number);
  const started = performance.now();
  const sweepId = await submit(sweep());
  await finish(sweepId);
  const wall = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(child.pid as number) - cpuBefore;
  const loadAfter = loadavg()[0] as number;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const students = await db.run.findMany({ where: { sweepId, kind: 'student' } });
  const first = Math.min(...students.map((r) => r.startedAt?.getTime() ?? Number.NaN));
  const last = Math.max(...students.map((r) => r.finishedAt?.getTime() ?? Number.NaN));
  const span = (last - first) / 1000;
  return {
    threads,
    students: students.length,
    span,
    perSecond: students.length / span,
    wall,
    cpu,
    loadBefore,
    loadAfter,
  };
}

const rows: Awaited<ReturnType<typeof round>>[] = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const threads of THREADS) {
      const row = await round(threads);
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
} finally {
  await app.close();
  await queue.queue.obliterate({ force: true }).catch(() => {});
  await queue.close();
  await probe.close();
  await database.drop();
  await rm(artifactDir, { recursive: true, force: true });
}

const f = (n: number, d = 2) => n.toFixed(d);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const byThreads = (t: number) => rows.filter((r) => r.threads === t);
const lines = [
  '# Runs per second of one worker process, --threads 1 vs 2',
  '',
  `Command: \`npx tsx bench/worker-threads.ts ${ROUNDS} ${STUDENTS}\`. Date: ${new Date().toISOString()}.`,
  `Machine: ${cpus()[0]?.model ?? '?'}, ${cpus().length} cores (availableParallelism ${availableParallelism()}), Node ${process.version}.`,
  '',
  `Each round: a fresh \`distillery worker --threads N\` (DISTILLERY_PACK_MAX=1: each student its own job), a`,
  'warm-up sweep of tiny runs on the same data set (starts every thread, loads MNIST), then the measured sweep: an',
  `MNIST-slice teacher (${ROWS} rows, MLP 256, ${TRAIN.epochs} epochs), then ${rows[0]?.students ?? '?'} KD students`,
  `(MLP ${WIDTHS[0]}–${WIDTHS.at(-1)} units, ${TRAIN.epochs} epochs, ${SEEDS.length} seeds) ready at once. students/s`,
  "over the students' phase (first start → last finish, PostgreSQL's clock); wall: submit → sweep finished;",
  "CPU: the worker process's user + system seconds over the sweep; load: 1-minute load average before → after.",
  '',
  '| round | threads | students | students phase (s) | students/s | wall (s) | worker CPU (s) | CPU / wall | load |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r, i) =>
      `| ${Math.floor(i / THREADS.length) + 1} | ${r.threads} | ${r.students} | ${f(r.span)} | ${f(r.perSecond, 3)} | ${f(r.wall)} | ${f(r.cpu)} | ${f(r.cpu / r.wall)} | ${f(r.loadBefore)} → ${f(r.loadAfter)} |`,
  ),
  '',
  '| threads | mean students/s | mean wall (s) | mean CPU / wall |',
  '|---|---|---|---|',
  ...THREADS.map((t) => {
    const rs = byThreads(t);
    return `| ${t} | ${f(mean(rs.map((r) => r.perSecond)), 3)} | ${f(mean(rs.map((r) => r.wall)))} | ${f(mean(rs.map((r) => r.cpu / r.wall)))} |`;
  }),
  '',
];
await writeFile(join(ROOT, 'bench', 'results', 'worker-threads.md'), lines.join('\n'));
console.log(lines.join('\n'));
