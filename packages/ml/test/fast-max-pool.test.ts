import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernels } from '../src/fast/kernels.ts';
import { mulberry32, normal } from '../src/random/prng.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);
afterAll(useWasm);

describe('the 2×2 max-pool kernels', () => {
  // Channel counts with and without a SIMD block, even and odd sizes (the odd row and column are dropped).
  const shapes: Array<[number, number, number, number]> = [
    [2, 28, 28, 4],
    [3, 7, 7, 8],
    [2, 5, 6, 3],
    [1, 14, 9, 16],
  ];

  it.each(shapes)('match tf.maxPool and its gradient, ties included (batch %i, %i×%i, %i channels)', (n, h, w, c) => {
    const random = mulberry32(h * w + c);
    // Many exact ties (zeros, as after a ReLU): the gradient must go to the first maximum, as tfjs's does.
    const x = Float32Array.from({ length: n * h * w * c }, () => (random() < 0.4 ? 0 : normal(random)));
    const [oh, ow] = [h >> 1, w >> 1];
    const dy = Float32Array.from({ length: n * oh * ow * c }, () => normal(random));
    const [expectedY, expectedDx] = tf.tidy(() => {
      const xt = tf.tensor4d(x, [n, h, w, c]);
      const dyt = tf.tensor4d(dy, [n, oh, ow, c]);
      const dx = tf.grad((a: tf.Tensor) =>
        tf
          .maxPool(a as tf.Tensor4D, 2, 2, 'valid')
          .mul(dyt)
          .sum(),
      )(xt);
      return [tf.maxPool(xt, 2, 2, 'valid').dataSync(), dx.dataSync()] as Float32Array[];
    });
    const fast = kernels();
    const bx = fast.allocF32(x.length);
    const bdy = fast.allocF32(dy.length);
    const by = fast.allocF32(dy.length);
    const which = fast.allocF32(dy.length);
    const bdx = fast.allocF32(x.length);
    bx.view().set(x);
    bdy.view().set(dy);
    bdx.view().fill(Number.NaN); // every value must be written
    fast.exports.maxPool2x2(bx.ptr, by.ptr, which.ptr, n, h, w, c);
    fast.exports.maxPool2x2Grad(bdy.ptr, which.ptr, bdx.ptr, n, h, w, c);
    expect(Array.from(by.view())).toEqual(Array.from(expectedY as Float32Array));
    expect(Array.from(bdx.view())).toEqual(Array.from(expectedDx as Float32Array));
    for (const b of [bx, bdy, by, which, bdx]) b.free();
  });
});
