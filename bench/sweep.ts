/**
 * bench:sweep — a whole sweep's wall time through `distillery run` (embedded store, this process's executor)
 * against the same runs as a PyTorch script with one process per core, back to back in one invocation.
 *
 * The sweep is bench/sweep-lma-vs-relu.yaml: examples/lma-vs-relu.yaml with 10,000 training rows and 2 epochs (a
 * teacher, 15 students × 3 seeds, PTQ 8/4-bit and QAT 4-bit of each: 181 runs). The PyTorch side
 * (bench/sweep_torch.py, Debian's python3-torch) trains the runs expandSweep plans — the same teacher, students,
 * quantized variants, rows (Distillery's own split, exported with sha256 digests), per-seed shuffle orders,
 * epochs, batch size and optimizer — one process per core, one thread each; worker 0 trains the teacher first.
 *
 * Before each Distillery run the sweep's dry run (same store, fresh) prints its estimated time from the shipped
 * calibration; after it, a dry run with --rerun estimates it again from the throughput the run just measured:
 * both are recorded beside the measured wall time.
 *
 * What the checkout supports is detected, never assumed: packs (`DISTILLERY_PACK_MAX` read by the sources) are
 * run at each of --packs (1, 4, 16); without them one Distillery run. Training threads get one per core: through
 * `distillery run --threads` where its --help has it, else DISTILLERY_THREADS where the sources read it. Rounds (--rounds N) alternate which side goes first.
 *
 * Run: `npm run bench:sweep -- [--rounds 1] [--packs 1,4,16] [--label text] [--out bench/results/sweep.md]`
 * Appends a dated section to the report (earlier sections are kept: the record of every run).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, loadDataset } from '@distillery/ml';
import { expandSweep, parseDocument, runWorkload, SweepSpec } from '@distillery/spec';
import { selectRunData } from '../packages/ml/src/data/run-data.ts';
import { deriveSeed, Mulberry32, permutation } from '../packages/ml/src/random/prng.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SPEC_FILE = 'bench/sweep-lma-vs-relu.yaml';
const TORCH = join(ROOT, 'bench', 'sweep_torch.py');
const PYTHON = '/usr/bin/python3';
const CORES = cpus().length;

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const rounds = Number(option('rounds', '1'));
const packSizes = option('packs', '1,4,16').split(',').map(Number);
const label = option('label', '');
const out = option('out', 'bench/results/sweep.md');

const specText = readFileSync(join(ROOT, SPEC_FILE), 'utf8');
const spec = SweepSpec.parse(parseDocument(specText, 'yaml'));
const planned = expandSweep(spec);
const trainedSamples = planned.reduce((n, r) => {
  const w = runWorkload(r.config);
  return n + (w ? w.epochs * w.trainRows : 0);
}, 0);

/** Whether the checkout's sources read `name` (an env variable an option is built on). */
function sourcesRead(name: string): boolean {
  const found = spawnSync('grep', ['-rlF', name, 'apps/cli/src', 'apps/worker/src', 'packages/ml/src'], { cwd: ROOT });
  return found.status === 0 && found.stdout.toString().trim() !== '';
}
const runHelp = spawnSync('node', ['bin/distillery.mjs', 'run', '--help'], { cwd: ROOT }).stdout.toString();
const capabilities = {
  packs: sourcesRead('DISTILLERY_PACK_MAX'),
  /** `distillery run --threads N`, else the DISTILLERY_THREADS variable, else neither (one run at a time). */
  threads: /--threads\b/.test(runHelp) ? 'flag' : sourcesRead('DISTILLERY_THREADS') ? 'env' : null,
};

interface Side {
  side: string;
  wallSeconds: number;
  cpuSeconds: number;
  loadBefore: number[];
  loadAfter: number[];
  estimate?: { calibration: string | null; measured: string | null };
  accuracy?: number;
  note?: string;
}

function load(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

function run(
  command: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/**
 * The `estimated …` line of a dry run's output, with the line under it that splits the one-executor time into
 * training and per-run work where the dry run prints one (null when the checkout's dry run prints no estimate).
 */
function estimateLine(output: string): string | null {
  const lines = output.split('\n');
  const at = lines.findIndex((l) => l.startsWith('estimated '));
  if (at < 0) return null;
  const terms = lines[at + 1]?.trim() ?? '';
  return terms.startsWith('≈') ? `${lines[at]}; ${terms}` : (lines[at] as string);
}

async function distillery(pack: number | null): Promise<Side> {
  const dataDir = mkdtempSync(join(tmpdir(), 'distillery-bench-sweep-'));
  const env: NodeJS.ProcessEnv = {
    DISTILLERY_DATA_DIR: dataDir,
    DATABASE_URL: '',
    REDIS_URL: '',
    ...(pack === null ? {} : { DISTILLERY_PACK_MAX: String(pack) }),
    ...(capabilities.threads === 'env' ? { DISTILLERY_THREADS: String(CORES) } : {}),
  };
  const threads = capabilities.threads === 'flag' ? ['--threads', String(CORES)] : [];
  try {
    const before = await run('node', ['bin/distillery.mjs', 'run', SPEC_FILE, '--dry-run'], env);
    const loadBefore = load();
    const started = performance.now();
    const timed = await run(
      '/usr/bin/time',
      ['-f', 'TIME %e %U %S', 'node', 'bin/distillery.mjs', 'run', SPEC_FILE, ...threads],
      env,
    );
    const wallSeconds = (performance.now() - started) / 1000;
    const loadAfter = load();
    if (timed.code !== 0) throw new Error(`distillery run exited ${timed.code}:\n${timed.stderr.slice(-2000)}`);
    const [, , user, sys] = (timed.stderr.match(/TIME ([\d.]+) ([\d.]+) ([\d.]+)/) ?? []).map(Number);
    const after = await run('node', ['bin/distillery.mjs', 'run', SPEC_FILE, '--dry-run', '--rerun'], env);
    const accuracies = [...timed.stdout.matchAll(/^student\s.*?\s(\d+\.\d+)% ±/gm)].map((m) => Number(m[1]));
    return {
      side: [
        `distillery run${threads.length ? ` --threads ${CORES}` : ''}`,
        pack === null ? '' : `DISTILLERY_PACK_MAX=${pack}`,
        capabilities.threads === 'env' ? `DISTILLERY_THREADS=${CORES}` : '',
      ]
        .filter((x) => x !== '')
        .join(' '),
      wallSeconds,
      cpuSeconds: (user ?? Number.NaN) + (sys ?? Number.NaN),
      loadBefore,
      loadAfter,
      estimate: { calibration: estimateLine(before.stdout), measured: estimateLine(after.stdout) },
      ...(accuracies.length ? { accuracy: mean(accuracies) / 100 } : {}),
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function pytorch(folder: string): Promise<Side> {
  const jobs = join(folder, 'jobs.json');
  const logits = join(folder, 'teacher-logits.npy');
  rmSync(logits, { force: true });
  const loadBefore = load();
  const started = performance.now();
  const workers = await Promise.all(
    Array.from({ length: CORES }, (_, w) =>
      run(PYTHON, [TORCH, jobs, '--worker', String(w), '--workers', String(CORES), '--threads', '1'], {}),
    ),
  );
  const wallSeconds = (performance.now() - started) / 1000;
  const loadAfter = load();
  const lines = workers.flatMap((w, i) => {
    if (w.code !== 0) throw new Error(`sweep_torch.py worker ${i} exited ${w.code}:\n${w.stderr.slice(-2000)}`);
    return w.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { done?: boolean; kind?: string; accuracy?: number; cpuSeconds: number });
  });
  const runs = lines.filter((l) => !l.done);
  if (runs.length !== planned.length)
    throw new Error(`PyTorch trained ${runs.length} runs, the sweep has ${planned.length}`);
  const students = runs.filter((l) => l.kind === 'student').map((l) => l.accuracy as number);
  return {
    side: `PyTorch ${CORES} processes × 1 thread`,
    wallSeconds,
    cpuSeconds: lines.filter((l) => l.done).reduce((s, l) => s + l.cpuSeconds, 0),
    loadBefore,
    loadAfter,
    accuracy: mean(students),
  };
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * The sweep's rows as its runs use them — training rows in order, validation and test rows — and each seed's
 * per-epoch shuffle (positions into the training rows, as trainModel draws them), with sha256 digests; and the
 * planned runs. What bench/ml-twin.ts exports, with the validation rows.
 */
function exportJobs(folder: string): void {
  mkdirSync(folder, { recursive: true });
  const ds = loadDataset(spec.dataset);
  const data = selectRunData(ds, spec.dataset);
  const features = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const pick = (split: typeof data.train) => {
    const images = new Uint8Array(split.indices.length * features);
    const labels = new Uint8Array(split.indices.length);
    split.indices.forEach((row, i) => {
      images.set(split.split.images.subarray(row * features, (row + 1) * features), i * features);
      labels[i] = split.split.labels[row] as number;
    });
    return { images, labels };
  };
  const files: Record<string, { file: string; dtype: string; shape: number[]; sha256: string }> = {};
  const put = (key: string, file: string, dtype: string, shape: number[], bytes: Uint8Array) => {
    writeFileSync(join(folder, file), bytes);
    files[key] = { file, dtype, shape, sha256: createHash('sha256').update(bytes).digest('hex') };
  };
  const n = data.train.indices.length;
  for (const [name, split] of [
    ['train', data.train],
    ['val', data.validation],
    ['test', data.test],
  ] as const) {
    const { images, labels } = pick(split);
    put(`${name}Images`, `${name}-images.u8`, 'u1', [labels.length, features], images);
    put(`${name}Labels`, `${name}-labels.u8`, 'u1', [labels.length], labels);
  }
  const epochs = Math.max(...planned.map((r) => r.config.train?.epochs ?? 0));
  for (const seed of new Set(planned.map((r) => r.config.seed))) {
    const shuffler = new Mulberry32(deriveSeed(seed, 'shuffle'));
    const order = new Int32Array(epochs * n);
    for (let e = 0; e < epochs; e++)
      order.set(
        permutation(n, () => shuffler.next()),
        e * n,
      );
    put(`order${seed}`, `order-${seed}.i32`, '<i4', [epochs, n], new Uint8Array(order.buffer));
  }
  const digest = createHash('sha256')
    .update(
      Object.values(files)
        .map((f) => f.sha256)
        .join(''),
    )
    .digest('hex');
  writeFileSync(join(folder, 'data.json'), JSON.stringify({ shape: ds.shape, files, digest }));
  const runs = planned.map((r) => ({ key: r.key, kind: r.kind, parentKey: r.parentKey, config: r.config }));
  writeFileSync(join(folder, 'jobs.json'), JSON.stringify({ data: folder, runs }));
}

function commit(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).stdout.toString().trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT }).stdout.toString();
  return `${head}${dirty.trim() ? ' + uncommitted changes' : ''}`;
}

function report(sides: Side[], startedAt: Date, measured: string): string {
  const torch = sides.filter((s) => s.side.startsWith('PyTorch'));
  const torchWall = Math.min(...torch.map((s) => s.wallSeconds));
  const row = (s: Side) => {
    const ratio = s.side.startsWith('PyTorch') ? '' : (s.wallSeconds / torchWall).toFixed(2);
    return `| ${s.side} | ${s.wallSeconds.toFixed(1)} | ${s.cpuSeconds.toFixed(1)} | ${Math.round(trainedSamples / s.wallSeconds / CORES).toLocaleString('en')} | ${Math.round(trainedSamples / s.cpuSeconds).toLocaleString('en')} | ${ratio} | ${s.accuracy === undefined ? '' : `${(100 * s.accuracy).toFixed(2)}%`} | ${s.loadBefore.join(' ')} → ${s.loadAfter.join(' ')} |`;
  };
  const estimates = sides
    .filter((s) => s.estimate)
    .map(
      (s) =>
        `- ${s.side}: measured ${s.wallSeconds.toFixed(1)} s; before it (calibration): ${s.estimate?.calibration ?? 'the dry run printed no estimate'}; after it (this run's throughput, --rerun): ${s.estimate?.measured ?? 'no estimate'}`,
    );
  return [
    '',
    `## ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC${label ? ` — ${label}` : ''}`,
    '',
    `- Command: \`npm run bench:sweep -- ${args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}\`; commit ${measured}.`,
    `- Machine: ${CORES} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; shared with other sessions (load averages 1/5/15 min before → after each side in the table).`,
    `- Sweep: \`${SPEC_FILE}\`, ${planned.length} runs (${planned.filter((r) => r.kind === 'student').length} students, ${planned.filter((r) => r.kind === 'quantize-ptq').length} PTQ, ${planned.filter((r) => r.kind === 'quantize-qat').length} QAT, 1 teacher); ${trainedSamples.toLocaleString('en')} training samples (epochs × training rows of every run that trains).`,
    `- Detected in this checkout: packs ${capabilities.packs ? 'yes (DISTILLERY_PACK_MAX)' : 'no (DISTILLERY_PACK_MAX not read by the sources)'}; training threads ${capabilities.threads === 'flag' ? '`distillery run --threads`' : capabilities.threads === 'env' ? 'DISTILLERY_THREADS' : 'no (neither `run --threads` nor DISTILLERY_THREADS)'}.`,
    `- ${rounds} round(s), sides back to back in the order listed; ratio = wall time ÷ PyTorch's (best PyTorch round); samples/s per core = training samples ÷ wall ÷ ${CORES} cores (on a loaded machine mostly the load; samples per CPU s is what each side's own work costs); CPU = user + system of all the side's processes; accuracy = mean test accuracy of the 45 float students.`,
    '',
    '| side | wall s | CPU s | samples/s per core | samples per CPU s | ratio | student accuracy | load before → after |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...sides.map(row),
    '',
    'Estimated vs measured (the dry run\'s "estimated" line):',
    ...estimates,
    '',
  ].join('\n');
}

async function main() {
  const startedAt = new Date();
  const measured = commit();
  const folder = mkdtempSync(join(tmpdir(), 'distillery-bench-sweep-data-'));
  try {
    await initBackend('wasm', () => {});
    exportJobs(folder);
    const packs: (number | null)[] = capabilities.packs ? packSizes : [null];
    const sides: Side[] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['distillery', 'pytorch'] : ['pytorch', 'distillery'];
      for (const which of order) {
        if (which === 'pytorch') {
          sides.push(await pytorch(folder));
          console.log(sides.at(-1));
          continue;
        }
        for (const pack of packs) {
          sides.push(await distillery(pack));
          console.log(sides.at(-1));
        }
      }
    }
    const text = report(sides, startedAt, measured);
    if (!existsSync(out)) {
      writeFileSync(
        out,
        '# bench:sweep — a whole sweep through `distillery run` against PyTorch, one process per core\n\n' +
          "Goal: Distillery's wall time ≤ PyTorch's (ratio ≤ 1.0). Sections are appended by `npm run bench:sweep`, newest last.\n",
      );
    }
    appendFileSync(out, text);
    console.log(text);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

await main();
