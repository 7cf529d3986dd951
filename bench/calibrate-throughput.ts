/**
 * Measures the throughput calibration a dry run estimates from where its store has measured nothing, with the
 * per-run work around each run, and writes them to packages/spec/src/run-time/throughput-calibration.ts.
 *
 * The shapes are the example sweeps' (examples/*.yaml: their teachers, every student of their grids, their
 * quantized variants), each example cut to --seeds seeds (2), --epochs epochs (2) and at most --rows training
 * rows (5000) and --test test rows (2000), so the whole calibration takes minutes. Each cut example runs as
 * `distillery run FILE --rerun --threads N` (--threads: the cores here) on one fresh embedded store, exactly as a
 * user's sweep executes: claims, packs, training threads, results. Then the store's own record is read as a dry
 * run reads it (listRunTimings): measureThroughput turns it into rates and measureRunOverhead into the per-run
 * work, the same arithmetic a dry run applies to a team's results. Each process's time outside its sweep (start-up,
 * the results printed, shut-down) is written beside them, for the record.
 *
 * Run: `npx tsx bench/calibrate-throughput.ts [--rows 5000] [--test 2000] [--epochs 2] [--seeds 2] [--threads N]`,
 * on a machine as idle as you can get (the load average is written into the file).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listRunTimings } from '@distillery/db';
import { EmbeddedStore } from '@distillery/db/embedded';
import {
  measureRunOverhead,
  measureThroughput,
  parseDocument,
  type RunOverhead,
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
const threads = Number(option('threads', String(cpus().length)));

/** An example cut to `seeds`, `epochs` and at most maxRows/maxTest rows: the same shapes, less of each. */
function cut(spec: SweepSpec): SweepSpec {
  const limit = {
    train: Math.min(spec.dataset.limit?.train ?? maxRows, maxRows),
    test: Math.min(spec.dataset.limit?.test ?? maxTest, maxTest),
  };
  const cutEpochs = <T extends { epochs: number }>(t: T): T => ({ ...t, epochs });
  return {
    ...spec,
    name: `calibration-${spec.name}`,
    dataset: { ...spec.dataset, limit },
    teacher: 'train' in spec.teacher ? { ...spec.teacher, train: cutEpochs(spec.teacher.train) } : spec.teacher,
    students: { ...spec.students, train: cutEpochs(spec.students.train) },
    seeds,
  };
}

// The code measured is the tree at the start (a rebase during the run changes HEAD, not the loaded modules).
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
const dataDir = mkdtempSync(join(tmpdir(), 'distillery-calibration-'));
const env: NodeJS.ProcessEnv = { ...process.env, DISTILLERY_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '' };
delete env.DISTILLERY_PACK_MAX;
delete env.DISTILLERY_THREADS;
const loadBefore = loadavg();
const started = Date.now();
/** Per process: its wall seconds, and its sweep's name (the store says when that sweep started and ended). */
const processes: { name: string; seconds: number }[] = [];
const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml'));
try {
  for (const file of examples.sort()) {
    const spec = cut(SweepSpec.parse(parseDocument(readFileSync(join(ROOT, 'examples', file), 'utf8'), 'yaml')));
    const path = join(dataDir, `${file}.json`);
    writeFileSync(path, JSON.stringify(spec));
    const t0 = performance.now();
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'bin/distillery.mjs'), 'run', path, '--rerun', '--threads', String(threads)],
      { cwd: ROOT, env, encoding: 'utf8' },
    );
    const seconds = (performance.now() - t0) / 1000;
    if (run.status !== 0) throw new Error(`distillery run ${file} exited ${run.status}:\n${run.stderr.slice(-2000)}`);
    processes.push({ name: spec.name, seconds });
    console.log(`${file}: ${seconds.toFixed(1)} s (${run.stdout.trimEnd().split('\n').at(-2)})`);
  }
} catch (error) {
  rmSync(dataDir, { recursive: true, force: true });
  throw error;
}
const loadAfter = loadavg();
const store = await EmbeddedStore.open({ dataDir, log: () => {} });
let rates: ThroughputRate[];
let overhead: RunOverhead;
let outsideSeconds: number;
let runs: number;
try {
  const [team] = await store.rows<{ id: string }>`SELECT id FROM teams WHERE name = 'local'`;
  if (!team) throw new Error('no local team in the calibration store');
  const timings = await listRunTimings(store, team.id, Number.MAX_SAFE_INTEGER);
  runs = timings.length;
  rates = measureThroughput(timings).sort((a, b) => a.shape.localeCompare(b.shape));
  const measured = measureRunOverhead(timings);
  if (!measured) throw new Error('the calibration store recorded no complete task');
  overhead = { ...measured, source: 'calibration' };
  const spans = await store.rows<{ name: string; seconds: number }>`
    SELECT s.name, extract(epoch FROM max(r.finished_at) - min(r.created_at))::float8 AS seconds
    FROM sweeps s JOIN runs r ON r.sweep_id = s.id GROUP BY s.name`;
  const inside = new Map(spans.map((s) => [s.name, s.seconds]));
  outsideSeconds = mean(processes.map((p) => p.seconds - (inside.get(p.name) ?? Number.NaN)));
} finally {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
const measuredOn = {
  date: new Date(started).toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`,
  backend: rates[0]?.backend ?? 'unknown',
  commit,
  command: `npx tsx bench/calibrate-throughput.ts ${args.join(' ')}`.trim(),
  threads,
  loadAverage: { before: loadBefore.map(round2), after: loadAfter.map(round2) },
  minutes: round2((Date.now() - started) / 60_000),
  /** Mean seconds of each `distillery run` process outside its sweep: start-up, results printed, shut-down. */
  processSecondsOutsideSweep: round2(outsideSeconds),
};
writeFileSync(OUT, render(rates, overhead, measuredOn));
execFileSync('npx', ['biome', 'format', '--write', OUT], { cwd: ROOT, stdio: 'inherit' });
console.log(`${rates.length} rates from ${runs} runs, per-run work ${JSON.stringify(overhead)} → ${OUT}`);

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function render(table: ThroughputRate[], work: RunOverhead, on: typeof measuredOn): string {
  return `// Generated by bench/calibrate-throughput.ts from real runs; measure again with the command below, do not edit.
// Measured ${on.date} at load average ${on.loadAverage.before.join(' ')} → ${on.loadAverage.after.join(' ')} (1/5/15 min) on ${on.machine}, ${on.threads} training thread(s).
// biome-ignore-all lint/suspicious/noApproximativeNumericConstant: measured rates (1.414 ms is not √2)
import type { RunOverhead } from './measure-run-overhead.ts';
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

/**
 * The per-run work around each run of the same executions (measureRunOverhead over their record): what a dry run
 * adds to each run alone and each pack where its store has executed nothing.
 */
export const RUN_OVERHEAD_CALIBRATION: RunOverhead | null = ${JSON.stringify(
    {
      ...work,
      perRunSeconds: Number(work.perRunSeconds.toPrecision(4)),
      perPackSeconds: Number(work.perPackSeconds.toPrecision(4)),
    },
    null,
    2,
  )};
`;
}
