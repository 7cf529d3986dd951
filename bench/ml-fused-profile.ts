/**
 * Where a fused training step's time goes (packages/ml/src/fast): the step `trainModel` chooses for each model
 * on the wasm backend, on MNIST batches of 64 (SGD momentum 0.9, cross-entropy or --kd), warmed up, then timed
 * twice — plain, and with every SIMD kernel call wrapped in a CPU-time meter. Prints per model: CPU ms per step
 * unprofiled, the profiled step, the kernels' share, and the kernels that dominate. The rest of the step is
 * JavaScript: batch gathering, the JS loops of the activations and losses the fused step shares with the
 * reference path (LMA, APLU, PReLU, swish, the KD loss), and the calls themselves. CPU time, because the
 * machine's other tenants inflate the wall clock.
 * --qat: QAT 4-bit (bucket 256) on every kernel, as bench:throughput's QAT rows.
 * Run: `npx tsx bench/ml-fused-profile.ts [model…] [--kd] [--qat]` (all models by default).
 */
import { DEFAULT_BUCKET_SIZE, isKernel, type ModelSpec, type TrainSpec } from '@distillery/spec';
import { selectRunData } from '../packages/ml/src/data/run-data.ts';
import { kernels } from '../packages/ml/src/fast/kernels.ts';
import { initBackend, loadDataset } from '../packages/ml/src/index.ts';
import { buildModel, inputLayout } from '../packages/ml/src/model/build-model.ts';
import { chooseTrainingStep } from '../packages/ml/src/train/train-model.ts';

await initBackend('wasm', () => {});
const lma = { name: 'lma', segments: 8 } as const;
const cnn = (channels: number[], activation: ModelSpec['activation']): ModelSpec => ({
  family: 'cnn',
  channels,
  dense: [],
  activation,
  batchNorm: true,
});
const all: Record<string, ModelSpec> = {
  'cnn-4-8-relu': cnn([4, 8], 'relu'),
  'cnn-4-8-lma': cnn([4, 8], lma),
  'cnn-4-8-prelu': cnn([4, 8], 'prelu'),
  'cnn-4-8-swish': cnn([4, 8], 'swish'),
  'cnn-4-8-aplu': cnn([4, 8], { name: 'aplu', segments: 8 }),
  'cnn-8-16-relu': cnn([8, 16], 'relu'),
  'cnn-8-16-lma': cnn([8, 16], lma),
  'cnn-16-32': { family: 'cnn', channels: [16, 32], dense: [], kernel: 3, activation: 'relu' },
  'mlp-8-8-relu': { family: 'mlp', hidden: [8, 8], activation: 'relu', batchNorm: true },
  'mlp-32-32-lma': { family: 'mlp', hidden: [32, 32], activation: lma, batchNorm: true },
  'mlp-256-256': { family: 'mlp', hidden: [256, 256], activation: 'relu' },
};
const args = process.argv.slice(2);
const kd = args.includes('--kd');
const qat = args.includes('--qat');
const names = args.filter((a) => !a.startsWith('--'));
const dataset = loadDataset({ name: 'mnist' });
const data = selectRunData(dataset, { name: 'mnist', limit: { train: 4096, test: 10 } });
const train: TrainSpec = { epochs: 1, batchSize: 64, optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 } };

const k = kernels() as unknown as { exports: Record<string, unknown> };
const plainExports = k.exports;
const spent = new Map<string, number>();
const meteredExports = Object.fromEntries(
  Object.entries(plainExports).map(([name, f]) => [
    name,
    typeof f !== 'function'
      ? f
      : (...a: unknown[]) => {
          const started = process.cpuUsage();
          const out = (f as (...x: unknown[]) => unknown)(...a);
          const used = process.cpuUsage(started);
          spent.set(name, (spent.get(name) ?? 0) + used.user + used.system);
          return out;
        },
  ]),
);
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

for (const name of names.length > 0 ? names : Object.keys(all)) {
  const spec = all[name];
  if (!spec) throw new Error(`unknown model ${name}; one of ${Object.keys(all).join(', ')}`);
  const model = buildModel(spec, { shape: dataset.shape, classes: dataset.classes }, 0);
  const step = chooseTrainingStep({
    model,
    data,
    layout: inputLayout(spec),
    train,
    distill: kd ? { temperature: 2, alpha: 0.7 } : null,
    teacherLogits: kd ? Float32Array.from({ length: data.train.indices.length * 10 }, (_, i) => Math.sin(i)) : null,
    qat: qat
      ? {
          bits: 4,
          bucketSize: DEFAULT_BUCKET_SIZE,
          indices: model.weights.flatMap((w, i) => (isKernel({ name: w.originalName }) ? [i] : [])),
        }
      : null,
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
  const steps = spec.family === 'cnn' ? 30 : 100;
  await run(10);
  let started = process.cpuUsage();
  await run(steps);
  const plain = cpuMs(started) / steps;
  spent.clear();
  k.exports = meteredExports;
  started = process.cpuUsage();
  await run(steps);
  const profiled = cpuMs(started) / steps;
  k.exports = plainExports;
  const kernelMs = [...spent.values()].reduce((a, b) => a + b, 0) / 1000 / steps;
  console.log(
    `${name} [${step.path}]: ${plain.toFixed(2)} CPU ms/step; profiled ${profiled.toFixed(2)}, of which SIMD kernels ${kernelMs.toFixed(2)} (${((100 * kernelMs) / profiled).toFixed(0)}%)`,
  );
  for (const [kernel, us] of [...spent].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
    const ms = us / 1000 / steps;
    console.log(`  ${kernel.padEnd(22)} ${ms.toFixed(3)} ms/step  ${((100 * ms) / profiled).toFixed(1)}%`);
  }
  step.dispose();
  model.dispose();
}
