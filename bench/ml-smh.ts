/**
 * bench:smh — at an equal stored parameter count, does a wide model whose kernels come from a Structured
 * Multi-Hashing pool beat a narrow dense model? (Eban et al., CVPR 2020: "at an equal variable count, wide-SMH
 * beats narrow-dense, increasingly as compression grows".)
 *
 * On Fashion-MNIST, one KD teacher; students MLP 784-128-128-10 with BatchNorm and ReLU whose kernels are an SMH
 * pool at each `--fractions` value, against a dense MLP 784-w-w-10 (BatchNorm, ReLU) whose w gives the parameter
 * count nearest the SMH student's; each float and after 4-bit PTQ (SMH: L and R quantized; dense: the kernels).
 * Paired by seed (the same data order; initial weights differ by construction), paired t-test over the seeds.
 * One process, runs one after another (tfjs-wasm is single-threaded).
 *
 * Run: `npx tsx bench/ml-smh.ts [--rows 20000] [--test 10000] [--epochs 5] [--seeds 3] [--fractions 0.1,0.05]
 *       [--wide 128,128] [--out bench/results/smh.md] [--quick]`
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { executeRun, initBackend, type ModelArtifact, type RunOutcome } from '@distillery/ml';
import {
  comparisonVerdict,
  type DatasetSpec,
  describeSample,
  formatP,
  type ModelSpec,
  modelSmhPool,
  pairedComparison,
  parameterCount,
  type RunConfig,
  type TrainSpec,
} from '@distillery/spec';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const quick = args.includes('--quick');
const rows = Number(option('rows', quick ? '2000' : '20000'));
const testRows = Number(option('test', quick ? '1000' : '10000'));
const epochs = Number(option('epochs', quick ? '1' : '5'));
const seeds = Array.from({ length: Number(option('seeds', quick ? '2' : '3')) }, (_, i) => i + 1);
const fractions = option('fractions', '0.1,0.05').split(',').map(Number);
const wide = option('wide', '128,128').split(',').map(Number);
const out = option('out', quick ? '/tmp/distillery-smh-quick.md' : 'bench/results/smh.md');

const dataset: DatasetSpec = { name: 'fashion-mnist', limit: { train: rows, test: testRows } };
const shape = { shape: [28, 28, 1] as [number, number, number], classes: 10 };
const studentTrain: TrainSpec = {
  epochs,
  batchSize: 64,
  optimizer: { name: 'adam', lr: 0.003 },
  schedule: { name: 'cosine' },
};
const teacherConfig: RunConfig = {
  kind: 'teacher',
  dataset,
  model: { family: 'mlp', hidden: [256], activation: 'relu', batchNorm: true },
  train: { epochs: Math.max(epochs, 3), batchSize: 64, optimizer: { name: 'adam', lr: 0.002 } },
  seed: 0,
  distill: null,
  quantize: null,
};

/** The dense MLP 784-w-w-10 whose parameter count is nearest `target`. */
function narrowDense(target: number): { model: ModelSpec; parameters: number } {
  let best: { model: ModelSpec; parameters: number } | null = null;
  for (let w = 1; w <= 1024; w++) {
    const model: ModelSpec = { family: 'mlp', hidden: wide.map(() => w), activation: 'relu', batchNorm: true };
    const parameters = parameterCount(model, shape);
    if (!best || Math.abs(parameters - target) < Math.abs(best.parameters - target)) best = { model, parameters };
    if (parameters > target) break;
  }
  return best as { model: ModelSpec; parameters: number };
}

interface Measured {
  accuracy: number;
  ptq4: number;
  parameters: number;
  bytes: number;
  ptq4Bytes: number;
  wallS: number;
  cpuS: number;
}

async function student(model: ModelSpec, seed: number, teacher: ModelArtifact): Promise<Measured> {
  const config: RunConfig = {
    kind: 'student',
    dataset,
    model,
    train: studentTrain,
    seed,
    distill: { temperature: 2, alpha: 0.7 },
    quantize: null,
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const s: RunOutcome = await executeRun({ config, parent: teacher });
  const wallS = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const ptq = await executeRun({
    config: {
      ...config,
      kind: 'quantize-ptq',
      train: null,
      quantize: { method: 'ptq', bits: 4, bucketSize: 256, keepFloat: 'all-but-kernels' },
    },
    parent: s.artifact,
  });
  return {
    accuracy: s.accuracy,
    ptq4: ptq.accuracy,
    parameters: s.parameters,
    bytes: s.bytes,
    ptq4Bytes: ptq.bytes,
    wallS,
    cpuS: (used.user + used.system) / 1e6,
  };
}

const pct = (x: number) => (x * 100).toFixed(2);
const cell = (xs: number[]) => {
  const s = describeSample(xs.map((x) => x * 100));
  return `${s.mean.toFixed(2)} ± ${(s.std ?? 0).toFixed(2)}`;
};

async function main() {
  const backend = await initBackend('wasm', () => {});
  const startedAt = new Date();
  const loadBefore = loadavg();
  const t0 = performance.now();
  const teacher = await executeRun({ config: teacherConfig });
  const lines: string[] = [];
  const rowsOut: string[] = [];
  for (const fraction of fractions) {
    const smhModel: ModelSpec = { family: 'mlp', hidden: wide, activation: 'relu', batchNorm: true, smh: { fraction } };
    const pool = modelSmhPool(smhModel, shape);
    const smhParameters = parameterCount(smhModel, shape);
    const dense = narrowDense(smhParameters);
    const smh: Measured[] = [];
    const narrow: Measured[] = [];
    // Interleaved by seed, so load changes hit both arms alike.
    for (const seed of seeds) {
      smh.push(await student(smhModel, seed, teacher.artifact));
      narrow.push(await student(dense.model, seed, teacher.artifact));
      console.log(
        `fraction ${fraction} seed ${seed}: smh ${pct(smh.at(-1)?.accuracy ?? 0)}%, dense ${pct(narrow.at(-1)?.accuracy ?? 0)}%`,
      );
    }
    const compare = (metric: 'accuracy' | 'ptq4') => {
      const c = pairedComparison(smh.map((r, i) => ({ a: r[metric] * 100, b: (narrow[i] as Measured)[metric] * 100 })));
      const d = c.meanDifference ?? 0;
      const ci = c.ci95 ? `[${c.ci95.low.toFixed(2)}, ${c.ci95.high.toFixed(2)}]` : '–';
      const p = c.p === null ? '–' : formatP(c.p).replace(/^= /, '');
      return `${d >= 0 ? '+' : ''}${d.toFixed(2)} ${ci}, p ${p}, n ${c.n}: ${comparisonVerdict(c, { a: 'SMH', b: 'dense' })}`;
    };
    const wideLabel = `784-${wide.join('-')}-10`;
    rowsOut.push(
      `| SMH ${wideLabel} fraction ${fraction} (m ${pool?.m}, k ${pool?.k}: ${pool?.storedValues} pool values for ${pool?.poolSize}) | ${smhParameters} | ${smh[0]?.bytes} / ${smh[0]?.ptq4Bytes} | ${cell(smh.map((r) => r.accuracy))} | ${cell(smh.map((r) => r.ptq4))} | ${(smh.reduce((s, r) => s + r.wallS, 0) / smh.length).toFixed(1)} / ${(smh.reduce((s, r) => s + r.cpuS, 0) / smh.length).toFixed(1)} |`,
      `| dense 784-${dense.model.family === 'mlp' ? dense.model.hidden.join('-') : ''}-10 | ${dense.parameters} | ${narrow[0]?.bytes} / ${narrow[0]?.ptq4Bytes} | ${cell(narrow.map((r) => r.accuracy))} | ${cell(narrow.map((r) => r.ptq4))} | ${(narrow.reduce((s, r) => s + r.wallS, 0) / narrow.length).toFixed(1)} / ${(narrow.reduce((s, r) => s + r.cpuS, 0) / narrow.length).toFixed(1)} |`,
    );
    lines.push(`- fraction ${fraction}, SMH − dense, float: ${compare('accuracy')}; after PTQ-4: ${compare('ptq4')}.`);
  }
  const minutes = (performance.now() - t0) / 60_000;
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join('/');
  const report = [
    '# bench:smh — Structured Multi-Hashing vs a narrow dense student of equal parameters (Fashion-MNIST)',
    '',
    `- Command: \`npx tsx bench/ml-smh.ts${args.length ? ` ${args.join(' ')}` : ''}\``,
    `- Machine: ${cpus().length} CPUs (nproc), ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}, tfjs ${backend} (single-threaded), one process; load average ${load(loadBefore)} at start, ${load(loadavg())} at end (shared with other agents).`,
    `- Date: ${startedAt.toISOString()}; wall time ${minutes.toFixed(1)} min.`,
    `- Data: fashion-mnist (packages/ml's split), first ${rows} training rows, first ${testRows} test rows.`,
    `- Teacher: MLP 784-256-10 BN ReLU, Adam 0.002, ${teacherConfig.train?.epochs} epochs, seed 0: ${pct(teacher.accuracy)}%.`,
    `- Students: KD α 0.7 T 2, Adam 0.003 cosine, batch 64, ${epochs} epochs, seeds ${seeds.join(', ')}; PTQ 4-bit, buckets of 256, all-but-kernels.`,
    '',
    '| student | parameters | bytes float / PTQ-4 | accuracy % (mean ± std) | after PTQ-4 % | s per run wall / CPU |',
    '|---|---|---|---|---|---|',
    ...rowsOut,
    '',
    'Paired by seed (percentage points, 95% CI):',
    '',
    ...lines,
    '',
  ].join('\n');
  writeFileSync(out, report);
  console.log(report);
}

await main();
