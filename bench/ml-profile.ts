/**
 * Where a training step's time goes, per tfjs kernel (tf.profile on the current backend): the step of
 * packages/ml's training loop (forward in training mode, loss, gradients, optimizer update) on MNIST batches,
 * warmed up, then profiled. Prints per model: wall ms/step unprofiled, kernel ms/step (sum of kernel times)
 * and the kernels that dominate. The rest of the wall time is JavaScript: the layers/autograd bookkeeping,
 * tensor creation and disposal, batch assembly.
 * Run: `npx tsx bench/ml-profile.ts [backend] [model…] [--kd] [--by-calls]` (wasm; all models by default; --kd
 * trains with the KD loss against fixed logits; --by-calls lists kernels by calls per step instead of time).
 */
import { initBackend, loadDataset } from '@distillery/ml';
import type { ModelSpec, TrainSpec } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { selectRunData } from '../packages/ml/src/data/run-data.ts';
import { buildModel, inputLayout } from '../packages/ml/src/model/build-model.ts';
import { type TrainStep, trainingStep } from '../packages/ml/src/train/train-model.ts';

const backend = await initBackend((process.argv[2] as 'wasm' | 'cpu' | undefined) ?? 'wasm', () => {});
const lma = { name: 'lma', segments: 8 } as const;
const all: Record<string, ModelSpec> = {
  'mlp-256-256': { family: 'mlp', hidden: [256, 256], activation: 'relu' },
  'cnn-16-32': { family: 'cnn', channels: [16, 32], dense: [], kernel: 3, activation: 'relu' },
  'mlp-8-8-relu': { family: 'mlp', hidden: [8, 8], activation: 'relu', batchNorm: true },
  'mlp-32-32-relu': { family: 'mlp', hidden: [32, 32], activation: 'relu', batchNorm: true },
  'mlp-32-32-lma': { family: 'mlp', hidden: [32, 32], activation: lma, batchNorm: true },
  'cnn-8-16-relu': { family: 'cnn', channels: [8, 16], dense: [], activation: 'relu', batchNorm: true },
  'cnn-8-16-lma': { family: 'cnn', channels: [8, 16], dense: [], activation: lma, batchNorm: true },
  'cnn-4-8-relu': { family: 'cnn', channels: [4, 8], dense: [], activation: 'relu', batchNorm: true },
  'cnn-4-8-lma': { family: 'cnn', channels: [4, 8], dense: [], activation: lma, batchNorm: true },
  'cnn-4-8-aplu': {
    family: 'cnn',
    channels: [4, 8],
    dense: [],
    activation: { name: 'aplu', segments: 8 },
    batchNorm: true,
  },
  'cnn-4-8-prelu': { family: 'cnn', channels: [4, 8], dense: [], activation: 'prelu', batchNorm: true },
  'cnn-4-8-swish': { family: 'cnn', channels: [4, 8], dense: [], activation: 'swish', batchNorm: true },
  'teacher-cnn-16-32-128': { family: 'cnn', channels: [16, 32], dense: [128], activation: 'relu', batchNorm: true },
  'teacher-mlp-512-512': { family: 'mlp', hidden: [512, 512], activation: 'relu', batchNorm: true },
};
const args = process.argv.slice(3);
const kd = args.includes('--kd');
const byCalls = args.includes('--by-calls');
const names =
  args.filter((a) => !a.startsWith('--')).length > 0 ? args.filter((a) => !a.startsWith('--')) : Object.keys(all);
const dataset = loadDataset({ name: 'mnist' });
const data = selectRunData(dataset, { name: 'mnist', limit: { train: 4096, test: 10 } });
const train: TrainSpec = { epochs: 1, batchSize: 64, optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 } };

for (const name of names) {
  const spec = all[name];
  if (!spec) throw new Error(`unknown model ${name}; one of ${Object.keys(all).join(', ')}`);
  const model = buildModel(spec, { shape: dataset.shape, classes: dataset.classes }, 0);
  const step: TrainStep = trainingStep({
    model,
    data,
    layout: inputLayout(spec),
    train,
    // --kd: the KD loss (α 0.7, T 2) against fixed pseudo-teacher logits.
    distill: kd ? { temperature: 2, alpha: 0.7 } : null,
    teacherLogits: kd ? Float32Array.from({ length: data.train.indices.length * 10 }, (_, i) => Math.sin(i)) : null,
    qat: null,
  });
  const order = data.train.indices;
  let at = 0;
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      if (at + 64 > order.length) at = 0;
      await step.run(order, at, at + 64, 0.01);
      at += 64;
    }
  };
  const steps = spec.family === 'cnn' ? 10 : 40;
  await run(steps); // warm-up: kernel set-up, first-call compilation
  let started = performance.now();
  await run(steps);
  const wall = (performance.now() - started) / steps;
  started = performance.now();
  const profile = await tf.profile(() => run(steps) as unknown as tf.TensorContainer);
  const profiledWall = (performance.now() - started) / steps;
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of profile.kernels) {
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += k.kernelTimeMs as number;
    entry.calls++;
    byKernel.set(k.name, entry);
  }
  const kernelMs =
    [...byKernel.entries()].filter(([k]) => tf.getKernel(k, backend) !== undefined).reduce((s, [, e]) => s + e.ms, 0) /
    steps;
  console.log(
    `\n${backend} ${name}: ${wall.toFixed(2)} ms/step (${Math.round(64_000 / wall)} samples/s); profiled ${profiledWall.toFixed(2)} ms/step, of which kernels ${kernelMs.toFixed(2)} ms, ${(profile.kernels.length / steps).toFixed(0)} kernel calls/step`,
  );
  const top = [...byKernel.entries()]
    .filter(([k]) => tf.getKernel(k, backend) !== undefined) // kernels only, not the op scopes around them
    .sort((a, b) => (byCalls ? b[1].calls - a[1].calls : b[1].ms - a[1].ms))
    .slice(0, byCalls ? 30 : 12);
  for (const [kernel, e] of top) {
    console.log(
      `  ${kernel.padEnd(28)} ${(e.ms / steps).toFixed(3).padStart(8)} ms/step  ${((100 * e.ms) / steps / kernelMs).toFixed(1).padStart(5)}%  ${(e.calls / steps).toFixed(0)} calls`,
    );
  }
  step.dispose();
  model.dispose();
}
