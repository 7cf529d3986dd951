import type { ModelSpec, TrainSpec } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/load-dataset.ts';
import { makeBatch, selectRunData } from '../src/data/run-data.ts';
import { buildModel } from '../src/index.ts';
import { fakeQuantize } from '../src/quantize/bucket-quantize.ts';
import { quantNoiseRandom, quantNoiseValues } from '../src/quantize/quant-noise.ts';
import { mulberry32, normal } from '../src/random/prng.ts';
import { trainingStep } from '../src/train/train-model.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

function gaussian(n: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: n }, () => 0.1 * normal(random));
}

/** Positions where the noisy values took the quantized value (at 2 bits every Gaussian value moves). */
function quantizedPositions(values: Float32Array, noisy: Float32Array, quantized: Float32Array): boolean[] {
  // Every value is either its quantized or its full-precision value, exactly.
  const neither = Array.from(noisy).filter((v, i) => v !== quantized[i] && v !== values[i]).length;
  expect(neither).toBe(0);
  return Array.from(noisy, (v, i) => v === quantized[i]);
}

describe('Quant-Noise values', () => {
  const N = 20_000;
  const values = gaussian(N, 3);
  const quantized = fakeQuantize(values, 2, 64);
  const moved = Array.from(values).filter((v, i) => v !== quantized[i]).length;

  it('quantizes each weight with probability rate: the count is within 4.5 binomial deviations', () => {
    // Each bucket's minimum and maximum are levels themselves; nearly every other value moves.
    expect(moved).toBeGreaterThan(N * 0.95);
    for (const rate of [0.05, 0.1, 0.5, 0.9]) {
      const noisy = quantNoiseValues(values, 2, 64, rate, quantNoiseRandom(11, 0, 0));
      const hits = quantizedPositions(values, noisy, quantized).filter(Boolean).length;
      // Values that quantize to themselves count as hits whatever the mask; at most N − moved of them.
      const sd = Math.sqrt(N * rate * (1 - rate));
      expect(hits).toBeGreaterThan(N * rate - 4.5 * sd);
      expect(hits).toBeLessThan(N * rate + 4.5 * sd + (N - moved));
    }
  });

  it('draws independent masks per step and per tensor: two masks overlap on about rate² of the weights', () => {
    const rate = 0.3;
    const mask = (step: number, tensor: number) =>
      quantizedPositions(values, quantNoiseValues(values, 2, 64, rate, quantNoiseRandom(5, step, tensor)), quantized);
    const a = mask(0, 0);
    for (const b of [mask(1, 0), mask(0, 1)]) {
      const both = a.filter((x, i) => x && b[i]).length;
      const p = rate * rate;
      expect(Math.abs(both - N * p)).toBeLessThan(4.5 * Math.sqrt(N * p * (1 - p)) + (N - moved));
    }
    // The same seed, step and tensor: the same mask (a resumed run draws what the uninterrupted one drew).
    expect(mask(0, 0)).toEqual(a);
  });

  it('is the quantizer at rate 1 and the identity at rate 0', () => {
    expect(quantNoiseValues(values, 2, 64, 1, () => 0.5)).toEqual(quantized);
    expect(quantNoiseValues(values, 2, 64, 0, () => 0.5)).toEqual(values);
  });
});

describe('the Quant-Noise training step', () => {
  const dataset = { name: 'mnist', limit: { train: 64, test: 10 } } as const;
  const spec: ModelSpec = { family: 'mlp', hidden: [5], activation: 'relu' };
  const LR = 0.5;
  const train: TrainSpec = { epochs: 1, batchSize: 64, optimizer: { name: 'sgd', lr: LR } };
  const SEED = 4;

  it('applies the gradient taken at the noisy weights to the full-precision weights (straight-through)', async () => {
    const data = selectRunData(loadDataset(dataset), dataset);
    const model = buildModel(spec, data.dataset, 1);
    const start = model.weights.map((w) => Float32Array.from(w.read().dataSync()));
    const kernels = [0, 2]; // dense_1/kernel, dense_2/kernel
    const qat = { indices: kernels, bits: 2, bucketSize: 16, noise: { rate: 0.5, seed: SEED } };
    const step = trainingStep({ model, data, layout: 'flat', train, distill: null, teacherLogits: null, qat });
    await step.run(
      Int32Array.from({ length: 64 }, (_, i) => i),
      0,
      64,
      LR,
    );
    step.dispose();
    const after = model.weights.map((w) => Float32Array.from(w.read().dataSync()));

    // Independently: the forward weights this step should have used (step 0's masks), and the plain-SGD update
    // with the gradient of the mean cross-entropy taken at them, computed with tf.grads on the same batch.
    const forward = start.map((w, i) =>
      kernels.includes(i) ? quantNoiseValues(w, 2, 16, 0.5, quantNoiseRandom(SEED, 0, i)) : w,
    );
    const batch = makeBatch(data.train, Int32Array.from(data.train.indices.slice(0, 64)), 0, 64, data.dataset, 'flat');
    const reference = buildModel(spec, data.dataset, 1);
    const shapes = reference.weights.map((w) => w.shape as number[]);
    const grads = tf.tidy(() => {
      const [w1, b1, w2, b2] = forward.map((w, i) => tf.tensor(w, shapes[i]));
      const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => {
        const logits = tf.relu(batch.x.matMul(a).add(b)).matMul(c).add(d);
        const oneHot = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), 10);
        return tf.neg(oneHot.mul(tf.logSoftmax(logits)).sum(-1).mean());
      };
      return tf
        .grads(loss)([w1, b1, w2, b2] as tf.Tensor[])
        .map((g) => g.dataSync() as Float32Array);
    });
    reference.dispose();
    batch.x.dispose();
    start.forEach((w, i) => {
      const g = grads[i] as Float32Array;
      const got = after[i] as Float32Array;
      w.forEach((v, j) => {
        expect(got[j]).toBeCloseTo(v - LR * (g[j] as number), 5);
      });
    });
    // The step moved the full-precision weights, not their quantized values: they are not on the 2-bit grid.
    expect(after[0]).not.toEqual(fakeQuantize(after[0] as Float32Array, 2, 16));
    model.dispose();
  });
});
