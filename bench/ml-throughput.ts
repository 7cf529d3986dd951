/**
 * bench:throughput — training speed of packages/ml per model, next to PyTorch on the same machine, interleaved.
 *
 * For each case (a model with a loss — cross-entropy or KD — and fp32 or QAT 4-bit weights) three measurements
 * follow each other: tfjs-wasm with the step trainModel chooses (`auto`: a fused SIMD step where one supports the
 * model, see packages/ml/src/fast), tfjs-wasm with the reference step (tfjs-layers and the tape), and PyTorch
 * (bench/ml_throughput_torch.py, Debian's python3-torch, one thread, one process kept for the whole run). With
 * --repeat N the whole list is measured N times in rounds and the fastest of each column kept: all three columns
 * of a row see the same stretch of load on this shared machine. tfjs: `trainModel` (the production loop: seeded
 * shuffling, batch assembly, forward, loss, gradients, update) for three epochs, the last two timed; this
 * process's CPU time and the wall time give ms per step. Ratios use CPU time per step.
 *
 * Run: `npm run bench:throughput -- [--repeat N] [--only 'a|b'] [--quick] [--no-torch] [--out file.md] [--json file]`
 * packages/ml is imported by relative path, so this script measures the packages/ml of the tree it sits in.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { DEFAULT_BUCKET_SIZE, isKernel, type ModelSpec, type TrainSpec } from '@distillery/spec';
import { selectRunData } from '../packages/ml/src/data/run-data.ts';
import { initBackend, loadDataset } from '../packages/ml/src/index.ts';
import { buildModel, inputLayout } from '../packages/ml/src/model/build-model.ts';
import { mulberry32, normal } from '../packages/ml/src/random/prng.ts';
import { type TrainPath, trainModel } from '../packages/ml/src/train/train-model.ts';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const quick = flag('quick');
const out = option('out', 'bench/results/throughput.md');
const jsonOut = option('json', '');
const repeat = Number(option('repeat', '1'));
/** Only the cases whose name contains one of these substrings, separated by `|` (case names contain commas). */
const only = option('only', '')
  .split('|')
  .filter((x) => x);
const PYTHON = '/usr/bin/python3';
const BATCH = 64;
const DISTILL = { temperature: 2, alpha: 0.7 } as const;
const QAT = { bits: 4, bucketSize: DEFAULT_BUCKET_SIZE } as const;

const lma = { name: 'lma', segments: 8 } as const;
const aplu = { name: 'aplu', segments: 8 } as const;
interface Case {
  name: string;
  /** ≤ this ratio of PyTorch's CPU time per step is the goal. */
  goal: number;
  spec: ModelSpec;
  distill: boolean;
  qat: boolean;
  /** Training rows (steps per epoch = rows / 64) and PyTorch's timed steps. */
  rows: number;
  torchSteps: number;
}

const mlp = (hidden: number[], activation: ModelSpec['activation'], batchNorm = true): ModelSpec => ({
  family: 'mlp',
  hidden,
  activation,
  batchNorm,
});
const cnn = (channels: number[], activation: ModelSpec['activation']): ModelSpec => ({
  family: 'cnn',
  channels,
  dense: [],
  activation,
  batchNorm: true,
});

const CASES: Case[] = [
  {
    name: 'MLP 784-256-256-10',
    goal: 1.5,
    spec: mlp([256, 256], 'relu', false),
    distill: false,
    qat: false,
    rows: 2048,
    torchSteps: 60,
  },
  {
    name: 'CNN conv16-pool-conv32-pool-fc10',
    goal: 1.5,
    spec: { family: 'cnn', channels: [16, 32], dense: [], kernel: 3, activation: 'relu' },
    distill: false,
    qat: false,
    rows: 640,
    torchSteps: 20,
  },
  ...(
    [
      ['MLP 784-8-8-10 BN', (a: ModelSpec['activation']) => mlp([8, 8], a), 4096, 200],
      ['MLP 784-16-16-10 BN', (a: ModelSpec['activation']) => mlp([16, 16], a), 4096, 200],
      ['MLP 784-32-32-10 BN', (a: ModelSpec['activation']) => mlp([32, 32], a), 4096, 200],
      ['CNN c4-c8 BN', (a: ModelSpec['activation']) => cnn([4, 8], a), 1280, 40],
      ['CNN c8-c16 BN', (a: ModelSpec['activation']) => cnn([8, 16], a), 1280, 30],
    ] as const
  ).flatMap(([name, spec, rows, torchSteps]) => {
    const variants = [
      ['', false, false],
      [', KD', true, false],
      [', QAT 4-bit', false, true],
      [', KD, QAT 4-bit', true, true],
    ] as const;
    const main = (
      [
        ['relu', 'relu'],
        ['lma-8', lma],
      ] as const
    ).flatMap(([act, a]) =>
      variants.map(([label, distill, qat]) => ({
        name: `${name}, ${act}${label}`,
        goal: 1,
        spec: spec(a),
        distill,
        qat,
        rows,
        torchSteps,
      })),
    );
    if (!name.includes('32-32') && !name.includes('c4-c8')) return main;
    const others = (
      [
        ['prelu', 'prelu'],
        ['swish', 'swish'],
        ['aplu-8', aplu],
      ] as const
    ).map(([act, a]) => ({
      name: `${name}, ${act}`,
      goal: 1,
      spec: spec(a),
      distill: false,
      qat: false,
      rows,
      torchSteps,
    }));
    return [...main, ...others];
  }),
];

interface Timing {
  wallMs: number;
  cpuMs: number;
}

const dataset = loadDataset({ name: 'mnist', limit: { train: 8192, test: 64 } });
const train: TrainSpec = { epochs: 3, batchSize: BATCH, optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 } };

/** Fixed stand-in teacher logits (a trained teacher's scale): the KD step's cost does not depend on them. */
function teacherLogits(rows: number): Float32Array {
  const random = mulberry32(3);
  return Float32Array.from({ length: rows * 10 }, () => 3 * normal(random));
}

async function measureTfjs(c: Case, path: 'auto' | 'reference'): Promise<Timing & { path: TrainPath }> {
  const rows = quick ? Math.min(256, c.rows) : c.rows;
  const spec = { name: 'mnist', limit: { train: rows, test: 64 } } as const;
  const data = selectRunData(dataset, spec);
  const model = buildModel(c.spec, data.dataset, 0);
  const qat = c.qat
    ? { ...QAT, indices: model.weights.flatMap((w, i) => (isKernel({ name: w.originalName }) ? [i] : [])) }
    : null;
  const marks: Array<{ wall: number; cpu: NodeJS.CpuUsage }> = [];
  const result = await trainModel({
    model,
    data,
    layout: inputLayout(c.spec),
    train,
    seed: 0,
    distill: c.distill ? DISTILL : null,
    teacherLogits: c.distill ? teacherLogits(data.train.indices.length) : null,
    qat,
    path,
    onEpoch: (m) => {
      marks.push({ wall: m.seconds, cpu: process.cpuUsage() });
    },
  });
  model.dispose();
  const [first, , last] = marks as [(typeof marks)[0], (typeof marks)[0], (typeof marks)[0]];
  const steps = 2 * Math.ceil(data.train.indices.length / BATCH);
  const cpu = (last.cpu.user + last.cpu.system - first.cpu.user - first.cpu.system) / 1000;
  const wall = (marks[1]?.wall ?? 0) + last.wall;
  return { wallMs: (wall * 1000) / steps, cpuMs: cpu / steps, path: result.path };
}

/** One PyTorch process for the whole run: a JSON line per case in, a JSON line per case out. */
function startTorch(): ((c: Case) => Promise<Timing>) | string {
  if (flag('no-torch')) return 'not run (--no-torch)';
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const child = spawn(PYTHON, ['bench/ml_throughput_torch.py', '--threads', '1', '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  process.on('exit', () => child.kill());
  return async (c) => {
    child.stdin.write(
      `${JSON.stringify({
        name: c.name,
        spec: c.spec,
        steps: quick ? 5 : c.torchSteps,
        ...(c.distill ? { distill: DISTILL } : {}),
        ...(c.qat ? { qat: QAT } : {}),
      })}\n`,
    );
    const next = await lines.next();
    if (next.done) throw new Error('PyTorch process ended');
    const r = JSON.parse(next.value) as { wallMsPerStep: number; cpuMsPerStep: number; torch: string };
    torchVersion = r.torch;
    return { wallMs: r.wallMsPerStep, cpuMs: r.cpuMsPerStep };
  };
}
let torchVersion = '';

await initBackend('wasm', () => {});
const startedAt = new Date();
const loads: number[][] = [loadavg()];
const selected = only.length ? CASES.filter((c) => only.some((o) => c.name.includes(o))) : CASES;
const torch = startTorch();
interface Row {
  fast?: Timing & { path: TrainPath };
  reference?: Timing;
  torch?: Timing;
}
const rows = new Map<string, Row>(selected.map((c) => [c.name, {}]));
const faster = <T extends Timing>(a: T | undefined, b: T) => (!a || b.cpuMs < a.cpuMs ? b : a);
const show = (t: Timing) => `${t.cpuMs.toFixed(2)} CPU (${t.wallMs.toFixed(2)} wall)`;
for (let round = 1; round <= repeat; round++) {
  for (const c of selected) {
    const row = rows.get(c.name) as Row;
    const fast = await measureTfjs(c, 'auto');
    row.fast = faster(row.fast, fast);
    const reference = await measureTfjs(c, 'reference');
    row.reference = faster(row.reference, reference);
    let pt: Timing | null = null;
    if (typeof torch !== 'string') {
      pt = await torch(c);
      row.torch = faster(row.torch, pt);
    }
    console.log(
      `round ${round} ${c.name}: ${fast.path} ${show(fast)} | reference ${show(reference)}${pt ? ` | torch ${show(pt)}` : ''} ms/step; load ${loadavg()[0]?.toFixed(1)}`,
    );
  }
  loads.push(loadavg());
}
const loadAfter = loadavg();
if (jsonOut) {
  mkdirSync(dirname(jsonOut), { recursive: true });
  writeFileSync(jsonOut, JSON.stringify(Object.fromEntries(rows), null, 1));
}

const fmt = (t: Timing | undefined) => (t ? `${t.cpuMs.toFixed(2)} (${t.wallMs.toFixed(2)})` : '–');
const ratio = (a: Timing | undefined, b: Timing | undefined) => (a && b ? a.cpuMs / b.cpuMs : null);
const lines: string[] = [];
lines.push('# bench:throughput — training speed per model vs PyTorch (interleaved)', '');
lines.push(`- Command: \`npm run bench:throughput${args.length ? ` -- ${args.join(' ')}` : ''}\``);
lines.push(
  `- Machine: ${cpus().length} CPUs (nproc), ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}; load average (1/5/15 min) ${loads.map((l) => l.map((x) => x.toFixed(1)).join('/')).join(' → ')} at the start and after each round, ${loadAfter.map((x) => x.toFixed(1)).join('/')} at the end (shared machine: other tenants' jobs run too).`,
);
lines.push(`- Date: ${startedAt.toISOString()}.`);
lines.push(
  `- Method: batch ${BATCH}, MNIST, SGD momentum 0.9 (lr 0.01); KD: the KD loss (T ${DISTILL.temperature}, α ${DISTILL.alpha}) against fixed stand-in teacher logits 3·N(0, 1); QAT 4-bit: every kernel fake-quantized (bucket ${QAT.bucketSize}) in forward and backward, straight-through update. tfjs-wasm: \`trainModel\` (the production loop), epochs 2–3 of 3 timed. PyTorch ${typeof torch === 'string' ? torch : `${torchVersion} (Debian python3-torch, OpenBLAS), 1 thread, the same models and settings (bench/ml_throughput_torch.py --serve), after a warm-up`}.`,
);
lines.push(
  `- Interleaving: per case, fused → reference → PyTorch back to back; ${repeat > 1 ? `${repeat} rounds over all cases, the fastest (CPU) of each column kept` : 'one round'}.`,
  '- Cells: **CPU ms per step** of the process (wall ms per step in parentheses). Ratios: CPU time ÷ PyTorch CPU time. "auto" is the step trainModel chooses (`fused-mlp`, `fused-cnn`: packages/ml/src/fast; `reference`: tfjs-layers and the tape, where no fused step supports the model).',
  '',
);
lines.push(
  '| case | tfjs-wasm auto (path) | tfjs-wasm reference | PyTorch 1 thread | auto ÷ PyTorch | reference ÷ PyTorch | goal | met |',
);
lines.push('|---|---|---|---|---|---|---|---|');
for (const c of selected) {
  const row = rows.get(c.name) as Row;
  const r = ratio(row.fast, row.torch);
  const rr = ratio(row.reference, row.torch);
  lines.push(
    `| ${c.name} | ${fmt(row.fast)} ${row.fast?.path ?? ''} | ${fmt(row.reference)} | ${fmt(row.torch)} | ${r === null ? '–' : `${r.toFixed(2)}×`} | ${rr === null ? '–' : `${rr.toFixed(2)}×`} | ≤ ${c.goal.toFixed(1)}× | ${r === null ? '–' : r <= c.goal ? 'yes' : '**no**'} |`,
  );
}
lines.push('');
const report = lines.join('\n');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, report);
console.log(`\n${report}\nwritten to ${out}`);
process.exit(0);
