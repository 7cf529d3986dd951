/**
 * A small comparison in the LMA paper's style on MNIST: one ReLU teacher, then KD students (784-16-16-10 +
 * BatchNorm) with each activation, 3 seeds each, then 4-bit PTQ of every student. Prints test accuracy mean ± std.
 * Run: `npx tsx bench/ml-activations.ts [trainRows] [epochs]` (defaults 10000 rows, 5 epochs).
 */
import { executeRun, initBackend } from '@distillery/ml';
import type { ActivationSpec, DatasetSpec, RunConfig, TrainSpec } from '@distillery/spec';

await initBackend();
const rows = Number(process.argv[2] ?? 10_000);
const epochs = Number(process.argv[3] ?? 5);
const dataset: DatasetSpec = { name: 'mnist', limit: { train: rows, test: 10_000 }, validation: 0.1 };
const train: TrainSpec = {
  epochs,
  batchSize: 64,
  optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 2.2e-4 },
  schedule: { name: 'plateau' },
};
const started = performance.now();
const teacher = await executeRun({
  config: {
    kind: 'teacher',
    dataset,
    model: { family: 'mlp', hidden: [512, 512], activation: 'relu' },
    train,
    seed: 0,
    distill: null,
    quantize: null,
  },
});
console.log(`teacher 784-512-512-10: ${(teacher.accuracy * 100).toFixed(2)}%`);
const activations: ActivationSpec[] = [
  'relu',
  'prelu',
  'swish',
  { name: 'aplu', segments: 8 },
  { name: 'lma', segments: 8 },
];
const stats = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return `${(mean * 100).toFixed(2)} ± ${(std * 100).toFixed(2)}`;
};
for (const activation of activations) {
  const fp: number[] = [];
  const q4: number[] = [];
  for (const seed of [1, 2, 3]) {
    const config: RunConfig = {
      kind: 'student',
      dataset,
      model: { family: 'mlp', hidden: [16, 16], activation, batchNorm: true },
      train,
      seed,
      distill: { temperature: 2, alpha: 0.7 },
      quantize: null,
    };
    const student = await executeRun({ config, parent: teacher.artifact });
    const ptq = await executeRun({
      config: {
        ...config,
        kind: 'quantize-ptq',
        train: null,
        quantize: { method: 'ptq', bits: 4, bucketSize: 256, keepFloat: 'all-but-kernels' },
      },
      parent: student.artifact,
    });
    fp.push(student.accuracy);
    q4.push(ptq.accuracy);
  }
  console.log(`${JSON.stringify(activation)}: fp32 ${stats(fp)}%, ptq-4 ${stats(q4)}%`);
}
console.log(`${((performance.now() - started) / 1000).toFixed(0)} s`);
