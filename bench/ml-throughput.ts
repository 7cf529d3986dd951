/**
 * Training throughput of packages/ml on the current backend (samples/s, batch 64, MNIST), for the models of
 * ENVIRONMENT.md's table. Run: `npx tsx bench/ml-throughput.ts [backend]` (wasm by default).
 */

import { executeRun, initBackend } from '@distillery/ml';
import type { ModelSpec, RunConfig } from '@distillery/spec';

const backend = await initBackend((process.argv[2] as 'wasm' | 'cpu' | undefined) ?? 'wasm');
const models: Array<[string, ModelSpec, number]> = [
  ['MLP 784-256-256-10', { family: 'mlp', hidden: [256, 256], activation: 'relu' }, 4096],
  [
    'student MLP 784-16-16-10 + BN, ReLU',
    { family: 'mlp', hidden: [16, 16], activation: 'relu', batchNorm: true },
    8192,
  ],
  [
    'student MLP 784-16-16-10 + BN, LMA-8',
    { family: 'mlp', hidden: [16, 16], activation: { name: 'lma', segments: 8 }, batchNorm: true },
    8192,
  ],
  [
    'CNN conv16-pool-conv32-pool-fc10',
    { family: 'cnn', channels: [16, 32], dense: [], kernel: 3, activation: 'relu' },
    1024,
  ],
];
for (const [label, model, samples] of models) {
  const config: RunConfig = {
    kind: 'teacher',
    dataset: { name: 'mnist', limit: { train: samples, test: 100 } },
    model,
    train: { epochs: 2, batchSize: 64, optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 } },
    seed: 0,
    distill: null,
    quantize: null,
  };
  const seconds: number[] = [];
  await executeRun({ config, onEpoch: (m) => void seconds.push(m.seconds) });
  // The second epoch: warm caches, no first-call compilation.
  console.log(`${backend} ${label}: ${Math.round(samples / (seconds[1] as number))} samples/s`);
}
