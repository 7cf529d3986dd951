/**
 * bench:throughput — training speed of packages/ml per model and backend, next to PyTorch on the same machine.
 *
 * For each model: an executeRun (kind teacher: cross-entropy, SGD momentum 0.9, batch 64, MNIST rows) of two
 * epochs; the second (warm) epoch's wall time and this process's CPU time give ms/step. Right after each
 * measurement on the first backend, the same model trains in PyTorch (bench/ml_throughput_torch.py, Debian's
 * python3-torch, 1 thread), so both sides of a ratio see the same load. Ratios use CPU time per
 * step: on a shared machine the wall clock mostly measures the other tenants. The `tensorflow` backend
 * (tfjs-node) cannot be installed here (its install script downloads libtensorflow), so it is not measured.
 *
 * Run: `npm run bench:throughput -- [--backends wasm,cpu] [--no-torch] [--quick] [--repeat N]
 *       [--out bench/results/throughput.md] [--json file] [--baseline file.json]` (--repeat: N measurements per model
 *       on wasm, each followed by one in PyTorch, the fastest of each kept) — `--baseline` adds the wasm numbers of an earlier `--json` run
 * (e.g. of the code before a change) as a before/after column.
 * packages/ml is imported by relative path, so this script measures the packages/ml of the tree it sits in.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import type { ModelSpec, RunConfig } from '@distillery/spec';
import { executeRun, initBackend } from '../packages/ml/src/index.ts';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const quick = flag('quick');
const backends = option('backends', 'wasm,cpu').split(',') as Array<'wasm' | 'cpu'>;
const out = option('out', 'bench/results/throughput.md');
const jsonOut = option('json', '');
const baselinePath = option('baseline', '');
/** Measure each model this many times (wasm and cpu) and keep the fastest: the other tenants come and go. */
const repeat = Number(option('repeat', '1'));
/** Only the models whose name contains one of these (comma-separated) substrings. */
const only = option('only', '')
  .split(',')
  .filter((x) => x);
const PYTHON = '/usr/bin/python3';

const lma = { name: 'lma', segments: 8 } as const;
const aplu = { name: 'aplu', segments: 8 } as const;
type Kind = 'reference' | 'student';
interface Model {
  name: string;
  kind: Kind;
  spec: ModelSpec;
  /** Samples per epoch on wasm and cpu (cpu: small, its CNN gradients are very slow), and PyTorch steps. */
  samples: { wasm: number; cpu: number };
  torchSteps: number;
}
const mlpStudent = (hidden: number[], activation: ModelSpec['activation']): ModelSpec => ({
  family: 'mlp',
  hidden,
  activation,
  batchNorm: true,
});
const cnnStudent = (channels: number[], activation: ModelSpec['activation']): ModelSpec => ({
  family: 'cnn',
  channels,
  dense: [],
  activation,
  batchNorm: true,
});
const MODELS: Model[] = [
  {
    name: 'MLP 784-256-256-10',
    kind: 'reference',
    spec: { family: 'mlp', hidden: [256, 256], activation: 'relu' },
    samples: { wasm: 2048, cpu: 512 },
    torchSteps: 60,
  },
  {
    name: 'CNN conv16-pool-conv32-pool-fc10',
    kind: 'reference',
    spec: { family: 'cnn', channels: [16, 32], dense: [], kernel: 3, activation: 'relu' },
    samples: { wasm: 640, cpu: 128 },
    torchSteps: 20,
  },
  ...(
    [
      ['MLP 784-8-8-10 BN', (a: ModelSpec['activation']) => mlpStudent([8, 8], a), 4096, 2048, 150],
      ['MLP 784-32-32-10 BN', (a: ModelSpec['activation']) => mlpStudent([32, 32], a), 4096, 1024, 150],
      ['CNN c4-c8 BN', (a: ModelSpec['activation']) => cnnStudent([4, 8], a), 1280, 256, 40],
      ['CNN c8-c16 BN', (a: ModelSpec['activation']) => cnnStudent([8, 16], a), 1280, 192, 30],
    ] as const
  ).flatMap(([name, spec, wasm, cpu, torchSteps]) => {
    const all: Array<[string, ModelSpec['activation']]> = [
      ['relu', 'relu'],
      ['lma-8', lma],
      ['prelu', 'prelu'],
      ['swish', 'swish'],
      ['aplu-8', aplu],
    ];
    // Every activation on the larger MLP and the smaller CNN; ReLU and LMA on the others.
    const acts = name.includes('32-32') || name.includes('c4-c8') ? all : all.slice(0, 2);
    return acts.map(([act, a]) => ({
      name: `${name}, ${act}`,
      kind: 'student' as const,
      spec: spec(a),
      samples: { wasm, cpu },
      torchSteps,
    }));
  }),
];

interface Timing {
  wallMs: number;
  cpuMs: number;
}
const BATCH = 64;

async function measure(model: Model, backend: 'wasm' | 'cpu'): Promise<Timing> {
  const samples = quick ? Math.min(256, model.samples[backend]) : model.samples[backend];
  const config: RunConfig = {
    kind: 'teacher',
    dataset: { name: 'mnist', limit: { train: samples, test: 64 } },
    model: model.spec,
    train: { epochs: 2, batchSize: BATCH, optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 } },
    seed: 0,
    distill: null,
    quantize: null,
  };
  const marks: Array<{ wall: number; cpu: NodeJS.CpuUsage }> = [];
  await executeRun({
    config,
    onEpoch: (m) => {
      marks.push({ wall: m.seconds, cpu: process.cpuUsage() });
    },
  });
  const [first, second] = marks as [(typeof marks)[0], (typeof marks)[0]];
  const steps = Math.ceil(samples / BATCH);
  const cpu = (second.cpu.user + second.cpu.system - first.cpu.user - first.cpu.system) / 1000;
  return { wallMs: (second.wall * 1000) / steps, cpuMs: cpu / steps };
}

/** PyTorch's timing of `model` (one process per call, so it can run between two tfjs measurements). */
function torchTiming(model: Model): (Timing & { version: string }) | string {
  if (flag('no-torch')) return 'not run (--no-torch)';
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  try {
    const input = JSON.stringify([{ name: model.name, spec: model.spec, steps: quick ? 5 : model.torchSteps }]);
    const stdout = execFileSync(PYTHON, ['bench/ml_throughput_torch.py', '--threads', '1'], {
      input,
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    const r = JSON.parse(stdout.trim()) as { wallMsPerStep: number; cpuMsPerStep: number; torch: string };
    return { wallMs: r.wallMsPerStep, cpuMs: r.cpuMsPerStep, version: r.torch };
  } catch (e) {
    return `failed: ${(e as Error).message.split('\n')[0]} (apt-get install python3-torch libopenblas0-pthread)`;
  }
}

const startedAt = new Date();
const loadBefore = loadavg();
const results = new Map<string, Map<string, Timing>>();
const selected = only.length ? MODELS.filter((m) => only.some((o) => m.name.includes(o))) : MODELS;
// PyTorch is measured right after each measurement on the first backend, model by model, so that both sides of
// a ratio see the same load on this shared machine (interleaved, not one block after the other).
const torchRows = new Map<string, Timing & { version: string }>();
let torchProblem: string | null = null;
for (const backend of backends) {
  await initBackend(backend, () => {});
  for (const model of selected) {
    let t: Timing | null = null;
    for (let r = 0; r < (backend === 'wasm' ? repeat : 1); r++) {
      const again = await measure(model, backend);
      if (!t || again.cpuMs < t.cpuMs) t = again;
      console.log(
        `${backend} ${model.name}: ${again.wallMs.toFixed(2)} ms/step wall, ${again.cpuMs.toFixed(2)} ms/step CPU`,
      );
      if (backend !== backends[0] || torchProblem !== null) continue;
      const pt = torchTiming(model);
      if (typeof pt === 'string') {
        torchProblem = pt;
        continue;
      }
      console.log(`torch ${model.name}: ${pt.wallMs.toFixed(2)} ms/step wall, ${pt.cpuMs.toFixed(2)} CPU`);
      const best = torchRows.get(model.name);
      if (!best || pt.cpuMs < best.cpuMs) torchRows.set(model.name, pt);
    }
    const row = results.get(model.name) ?? new Map<string, Timing>();
    row.set(backend, t as Timing);
    results.set(model.name, row);
  }
}
const torch = torchProblem ?? torchRows;
const loadAfter = loadavg();
if (jsonOut) {
  mkdirSync(dirname(jsonOut), { recursive: true });
  writeFileSync(
    jsonOut,
    JSON.stringify(Object.fromEntries([...results].map(([k, v]) => [k, Object.fromEntries(v)])), null, 1),
  );
}
const baseline = baselinePath
  ? (JSON.parse(readFileSync(baselinePath, 'utf8')) as Record<string, Record<string, Timing>>)
  : null;

const perSecond = (ms: number) => Math.round((BATCH * 1000) / ms).toLocaleString('en');
const fmt = (t: Timing | undefined) =>
  t ? `${t.cpuMs.toFixed(2)} (${t.wallMs.toFixed(2)}) · ${perSecond(t.cpuMs)}/s` : '–';
const lines: string[] = [];
lines.push('# bench:throughput — training speed per model and backend vs PyTorch', '');
lines.push(`- Command: \`npm run bench:throughput${args.length ? ` -- ${args.join(' ')}` : ''}\``);
lines.push(
  `- Machine: ${cpus().length} CPUs (nproc), ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}; load average ${loadBefore.map((x) => x.toFixed(1)).join('/')} at start, ${loadAfter.map((x) => x.toFixed(1)).join('/')} at end (shared machine: other tenants' jobs run too).`,
);
lines.push(`- Date: ${startedAt.toISOString()}.`);
lines.push(
  `- Method: batch ${BATCH}, MNIST, cross-entropy, SGD momentum 0.9; tfjs: \`executeRun\` (the production loop: batch assembly, forward, loss, gradients, update, metrics), second of two epochs; PyTorch ${typeof torch === 'string' ? torch : `${[...torch.values()][0]?.version} (Debian python3-torch, OpenBLAS), 1 thread (torch, OpenMP and BLAS pools), the same models (bench/ml_throughput_torch.py), after a warm-up, measured right after each tfjs-${backends[0]} measurement of the same model (interleaved)`}.`,
);
lines.push(
  `- tfjs-wasm and PyTorch: ${repeat > 1 ? `fastest of ${repeat} interleaved measurements per model` : 'one measurement per model'}; tfjs-cpu: one.`,
  '- Cells: **CPU ms per step** of the process (wall ms per step in parentheses) · samples per CPU-second. The ratio column is tfjs-wasm CPU time ÷ PyTorch CPU time (goals: ≤ 1.0 for the students, ≤ 1.5 for MLP 784-256-256-10 and CNN conv16-pool-conv32-pool-fc10). Wall time on this machine is inflated by the other tenants; CPU time is the per-core cost.',
);
lines.push(
  '- Backends: wasm (XNNPACK + SIMD, single-threaded in Node) and cpu (pure JS). `tensorflow` (tfjs-node) is not installable here (its install script downloads libtensorflow from outside the npm registry), so it is not measured.',
  '',
);
const headBackends = backends.map((b) => `tfjs-${b}`);
lines.push(
  `| model | ${headBackends.join(' | ')} | PyTorch 1 thread | wasm ÷ PyTorch (CPU) |${baseline ? ' wasm before | speed-up |' : ''}`,
);
lines.push(`|---|${backends.map(() => '---|').join('')}---|---|${baseline ? '---|---|' : ''}`);
for (const model of selected) {
  const row = results.get(model.name);
  const t = typeof torch === 'string' ? undefined : torch.get(model.name);
  const wasm = row?.get('wasm');
  const ratio = wasm && t ? `${(wasm.cpuMs / t.cpuMs).toFixed(1)}×` : '–';
  const before = baseline?.[model.name]?.wasm;
  const extra = baseline
    ? ` ${fmt(before)} | ${before && wasm ? `${(before.cpuMs / wasm.cpuMs).toFixed(1)}×` : '–'} |`
    : '';
  lines.push(`| ${model.name} | ${backends.map((b) => fmt(row?.get(b))).join(' | ')} | ${fmt(t)} | ${ratio} |${extra}`);
}
lines.push('', "## LMA-8's step time ÷ ReLU's (CPU time)", '');
lines.push(`| student | ${headBackends.join(' | ')} | PyTorch |`);
lines.push(`|---|${backends.map(() => '---|').join('')}---|`);
for (const size of ['MLP 784-8-8-10 BN', 'MLP 784-32-32-10 BN', 'CNN c4-c8 BN', 'CNN c8-c16 BN']) {
  const ratio = (a?: Timing, b?: Timing) => (a && b ? `${(a.cpuMs / b.cpuMs).toFixed(2)}` : '–');
  const l = results.get(`${size}, lma-8`);
  const r = results.get(`${size}, relu`);
  const tl = typeof torch === 'string' ? undefined : torch.get(`${size}, lma-8`);
  const tr = typeof torch === 'string' ? undefined : torch.get(`${size}, relu`);
  lines.push(`| ${size} | ${backends.map((b) => ratio(l?.get(b), r?.get(b))).join(' | ')} | ${ratio(tl, tr)} |`);
}
lines.push('');
const report = lines.join('\n');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, report);
console.log(`\n${report}\nwritten to ${out}`);
