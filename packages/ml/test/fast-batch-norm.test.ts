import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernels } from '../src/fast/kernels.ts';
import { batchNormTraining } from '../src/layers/batch-norm.ts';
import { mulberry32, normal } from '../src/random/prng.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);
afterAll(useWasm);

function worstError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i] as number;
    worst = Math.max(worst, Math.abs((actual[i] as number) - e) / Math.max(1, Math.abs(e)));
  }
  return worst;
}

describe('the SIMD BatchNorm training kernels', () => {
  // [rows, channels]: an image layer's n·h·w rows of 4 / 8 channels, a dense layer's units, and counts that
  // leave a scalar tail.
  const shapes: Array<[number, number]> = [
    [2 * 28 * 28, 4],
    [3 * 14 * 14, 8],
    [64, 32],
    [50, 7],
    [1, 4],
  ];

  it.each(shapes)('match the reference layer and its tf.grad (%i rows × %i channels)', (rows, c) => {
    const random = mulberry32(rows + c);
    // An offset and a spread per channel, as a convolution's outputs have.
    const x = Float32Array.from({ length: rows * c }, (_, i) => 3 + (i % c) + 0.5 * normal(random));
    const gamma = Float32Array.from({ length: c }, () => 1 + 0.3 * normal(random));
    const beta = Float32Array.from({ length: c }, () => normal(random));
    const dy = Float32Array.from({ length: rows * c }, () => normal(random));
    const epsilon = 1e-5;
    const expected = tf.tidy(() => {
      const [xt, gt, bt] = [tf.tensor2d(x, [rows, c]), tf.tensor1d(gamma), tf.tensor1d(beta)];
      const out = batchNormTraining(xt, gt, bt, epsilon);
      if (!out) throw new Error('no fused BatchNorm kernel on this backend');
      const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        (batchNormTraining(a, g, b, epsilon) as NonNullable<typeof out>).value.mul(tf.tensor2d(dy, [rows, c])).sum();
      const grads = tf.grads(f)([xt, gt, bt]);
      return [out.value, out.mean, out.variance, ...grads].map((t) => t.dataSync() as Float32Array);
    }) as Float32Array[];
    const fast = kernels();
    const b = Object.fromEntries(
      Object.entries({
        x,
        gamma,
        beta,
        dy,
        y: rows * c,
        mean: c,
        variance: c,
        dx: rows * c,
        dGamma: c,
        dBeta: c,
        scratch: 8 * c,
      }).map(([name, v]) => {
        const buffer = fast.allocF32(typeof v === 'number' ? v : v.length);
        if (typeof v !== 'number') buffer.view().set(v);
        return [name, buffer];
      }),
    ) as Record<string, ReturnType<typeof fast.allocF32>>;
    const p = (name: string) => (b[name] as ReturnType<typeof fast.allocF32>).ptr;
    const view = (name: string) => (b[name] as ReturnType<typeof fast.allocF32>).view();
    fast.exports.batchNormTrain(
      p('x'),
      p('gamma'),
      p('beta'),
      p('y'),
      p('mean'),
      p('variance'),
      p('scratch'),
      rows,
      c,
      epsilon,
    );
    fast.exports.batchNormTrainGrad(
      p('dy'),
      p('x'),
      p('gamma'),
      p('mean'),
      p('variance'),
      p('dx'),
      p('dGamma'),
      p('dBeta'),
      p('scratch'),
      rows,
      c,
      epsilon,
    );
    const [y, mean, variance, dx, dGamma, dBeta] = expected as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    expect(worstError(view('y'), y)).toBeLessThan(2e-5);
    expect(worstError(view('mean'), mean)).toBeLessThan(1e-6);
    expect(worstError(view('variance'), variance)).toBeLessThan(1e-6);
    expect(worstError(view('dx'), dx)).toBeLessThan(2e-5);
    expect(worstError(view('dGamma'), dGamma)).toBeLessThan(1e-5);
    expect(worstError(view('dBeta'), dBeta)).toBeLessThan(1e-5);
    for (const buffer of Object.values(b)) buffer.free();
  });
});
