/**
 * bench:data-free — how much accuracy does data-free distillation give up against KD on the training split, at 4
 * bits? (Haroush et al., "The Knowledge Within", CVPR 2020: BNS-synthesized data comes close to real data;
 * BNS > Inception > Gaussian.)
 *
 * On MNIST, one BatchNorm teacher; students MLP 784-32-10 with BatchNorm and ReLU trained by quantized
 * distillation (4-bit QAT, KD α 0.7 T 2) on the training split and on inputs synthesized from the teacher by each
 * `--methods` generator (one synthesize run each, shared by every seed, as a sweep does). Paired by seed (same
 * initial weights and data order), paired t-test over the seeds. One process, runs one after another.
 *
 * Reusable: `dataFreeBench(options)` runs it and returns the measurements; `dataFreeReport` formats them.
 *
 * Run: `npx tsx bench/ml-data-free.ts [--rows 10000] [--test 5000] [--epochs 4] [--seeds 3] [--samples 5000]
 *       [--steps 200] [--methods bns,gaussian,inception] [--out bench/results/data-free.md] [--quick]`
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { executeRun, initBackend, type RunOutcome } from '@distillery/ml';
import {
  comparisonVerdict,
  type DatasetSpec,
  formatP,
  pairedComparison,
  type RunConfig,
  type SynthesisMethod,
  type SyntheticData,
  type TrainSpec,
} from '@distillery/spec';

export interface DataFreeBenchOptions {
  /** Training rows (the teacher's, and the real-data students'). */
  rows: number;
  test: number;
  epochs: number;
  seeds: number[];
  samples: number;
  steps: number;
  methods: SynthesisMethod[];
  /** Called with a line of progress. @defaultValue ignore */
  log?: (line: string) => void;
}

export interface DataFreeArm {
  /** `real`, or the generator. */
  name: string;
  /** Test accuracy per seed, in `seeds` order. */
  accuracy: number[];
  bytes: number;
  /** Seconds of the synthesize run (0 for real data). */
  synthesisSeconds: number;
  /** The synthesize run's result: the generator's final loss, and the share of samples the teacher labels as theirs. */
  synthesis: { loss: number; agreement: number } | null;
  trainPath: string | null;
}

export interface DataFreeBenchResult {
  options: DataFreeBenchOptions;
  teacherAccuracy: number;
  arms: DataFreeArm[];
}

const studentTrain = (epochs: number): TrainSpec => ({
  epochs,
  batchSize: 64,
  optimizer: { name: 'adam', lr: 0.003 },
  schedule: { name: 'cosine' },
});

export async function dataFreeBench(options: DataFreeBenchOptions): Promise<DataFreeBenchResult> {
  const log = options.log ?? (() => {});
  await initBackend('wasm', () => {});
  const dataset: DatasetSpec = { name: 'mnist', limit: { train: options.rows, test: options.test } };
  const teacher = await executeRun({
    config: {
      kind: 'teacher',
      dataset,
      model: { family: 'mlp', hidden: [256], activation: 'relu', batchNorm: true },
      train: { epochs: Math.max(options.epochs, 3), batchSize: 64, optimizer: { name: 'adam', lr: 0.002 } },
      seed: 0,
      distill: null,
      quantize: null,
    },
  });
  log(`teacher ${(teacher.accuracy * 100).toFixed(2)}%`);
  const student = (seed: number, data: SyntheticData | null): RunConfig => ({
    kind: 'quantize-qat',
    dataset,
    model: { family: 'mlp', hidden: [32], activation: 'relu', batchNorm: true },
    train: studentTrain(options.epochs),
    seed,
    distill: { temperature: 2, alpha: 0.7 },
    quantize: { method: 'qat', bits: 4, bucketSize: 256, keepFloat: 'all-but-kernels' },
    ...(data ? { data } : {}),
  });
  const arms: DataFreeArm[] = [];
  for (const name of ['real', ...options.methods] as const) {
    const data: SyntheticData | null =
      name === 'real'
        ? null
        : {
            source: 'synthetic',
            method: name,
            samples: options.samples,
            steps: options.steps,
            batchSize: 256,
            lr: 0.05,
            seed: 0,
          };
    let synthesis: RunOutcome | undefined;
    let synthesisSeconds = 0;
    if (data) {
      const started = performance.now();
      synthesis = await executeRun({
        config: { kind: 'synthesize', dataset, model: null, train: null, seed: 0, distill: null, quantize: null, data },
        parent: teacher.artifact,
      });
      synthesisSeconds = (performance.now() - started) / 1000;
      log(
        `${name}: synthesized ${options.samples} in ${synthesisSeconds.toFixed(1)} s, loss ${synthesis.loss.toFixed(3)}`,
      );
    }
    const accuracy: number[] = [];
    let last: RunOutcome | undefined;
    for (const seed of options.seeds) {
      last = await executeRun({
        config: student(seed, data),
        parent: teacher.artifact,
        ...(synthesis ? { synthetic: synthesis.artifact } : {}),
      });
      accuracy.push(last.accuracy);
      log(`${name} seed ${seed}: ${(last.accuracy * 100).toFixed(2)}%`);
    }
    arms.push({
      name,
      accuracy,
      bytes: last?.bytes ?? 0,
      synthesisSeconds,
      synthesis: synthesis ? { loss: synthesis.loss, agreement: synthesis.accuracy } : null,
      trainPath: last?.trainPath ?? null,
    });
  }
  return { options, teacherAccuracy: teacher.accuracy, arms };
}

const pct = (x: number) => (x * 100).toFixed(2);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => {
  const m = mean(xs);
  return xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

/** The measurements as the markdown bench/results keeps: a table per arm and the paired differences to real data. */
export function dataFreeReport(result: DataFreeBenchResult, header: string[]): string {
  const { options, arms } = result;
  const real = arms.find((a) => a.name === 'real') as DataFreeArm;
  const lines = [
    ...header,
    `- Teacher: MLP 784-256-10 BN ReLU, Adam 0.002, ${Math.max(options.epochs, 3)} epochs, seed 0: ${pct(result.teacherAccuracy)}%.`,
    `- Students: MLP 784-32-10 BN ReLU, 4-bit QAT (buckets of 256, all-but-kernels), KD α 0.7 T 2, Adam 0.003 cosine, batch 64, ${options.epochs} epochs, seeds ${options.seeds.join(', ')}.`,
    `- Synthetic data: ${options.samples} samples per generator, batches of 256, ${options.steps} Adam steps at 0.05 (bns, inception), seed 0; test split: the real one.`,
    '',
    '| trained on | accuracy % (mean ± std) | bytes | synthesis s | generator loss | teacher agrees | train path |',
    '|---|---|---|---|---|---|---|',
    ...arms.map(
      (a) =>
        `| ${a.name === 'real' ? `training split (${options.rows} rows)` : `${a.name} (${options.samples} samples)`} | ` +
        `${pct(mean(a.accuracy))} ± ${pct(std(a.accuracy))} | ${a.bytes} | ${a.synthesisSeconds.toFixed(1)} | ` +
        `${a.synthesis ? a.synthesis.loss.toFixed(3) : '–'} | ${a.synthesis ? `${pct(a.synthesis.agreement)}%` : '–'} | ${a.trainPath ?? '–'} |`,
    ),
    '',
    'Paired by seed, synthetic − real (percentage points, 95% CI):',
    '',
    ...arms
      .filter((a) => a !== real)
      .map((a) => {
        const test = pairedComparison(
          a.accuracy.map((x, i) => ({ a: x * 100, b: (real.accuracy[i] as number) * 100 })),
        );
        const d = test.meanDifference ?? 0;
        const ci = test.ci95 ? `[${test.ci95.low.toFixed(2)}, ${test.ci95.high.toFixed(2)}]` : '–';
        const p = test.p === null ? '–' : formatP(test.p).replace(/^= /, '');
        const verdict = comparisonVerdict(test, { a: a.name, b: 'real' });
        return `- ${a.name}: ${d >= 0 ? '+' : ''}${d.toFixed(2)} ${ci}, p ${p}, n ${test.n}: ${verdict}.`;
      }),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
  };
  const quick = args.includes('--quick');
  const options: DataFreeBenchOptions = {
    rows: Number(option('rows', quick ? '2000' : '10000')),
    test: Number(option('test', quick ? '1000' : '5000')),
    epochs: Number(option('epochs', quick ? '1' : '4')),
    seeds: Array.from({ length: Number(option('seeds', quick ? '2' : '3')) }, (_, i) => i + 1),
    samples: Number(option('samples', quick ? '512' : '5000')),
    steps: Number(option('steps', quick ? '20' : '200')),
    methods: option('methods', 'bns,gaussian,inception').split(',') as SynthesisMethod[],
    log: (line) => console.log(line),
  };
  const out = option('out', quick ? '/tmp/distillery-data-free-quick.md' : 'bench/results/data-free.md');
  const startLoad = loadavg()
    .map((x) => x.toFixed(1))
    .join('/');
  const started = new Date();
  const result = await dataFreeBench(options);
  const endLoad = loadavg()
    .map((x) => x.toFixed(1))
    .join('/');
  const minutes = ((Date.now() - started.getTime()) / 60_000).toFixed(1);
  const header = [
    '# bench:data-free — 4-bit QAT students distilled on synthetic data vs on the training split (MNIST)',
    '',
    `- Command: \`npx tsx bench/ml-data-free.ts${args.map((a) => ` ${a}`).join('')}\``,
    `- Machine: ${cpus().length} CPUs, ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}, tfjs wasm, one process; load average ${startLoad} at start, ${endLoad} at end.`,
    `- Date: ${started.toISOString()}; wall time ${minutes} min.`,
    `- Data: mnist (packages/ml's split), first ${options.rows} training rows, first ${options.test} test rows.`,
  ];
  const report = dataFreeReport(result, header);
  writeFileSync(out, report);
  console.log(report);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
