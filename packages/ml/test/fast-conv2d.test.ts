import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type F32Buffer, kernels } from '../src/fast/kernels.ts';
import { mulberry32, normal } from '../src/random/prng.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);
afterAll(useWasm);

const randomValues = (n: number, seed: number) => {
  const random = mulberry32(seed);
  return Float32Array.from({ length: n }, () => normal(random));
};

/** Largest |actual − expected| relative to the largest |expected| (sums of many terms: absolute error scales). */
function worstError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let scale = 1e-6;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return worst / scale;
}

function buffer(values: Float32Array | number): F32Buffer {
  const b = kernels().allocF32(typeof values === 'number' ? values : values.length);
  if (typeof values !== 'number') b.view().set(values);
  return b;
}

// [batch, height, width, in channels, out channels, kernel]: the family's 1→4, 4→8, 8→16 and 16→32 layers,
// odd sizes (7×5 after two pools of an odd image), channel counts that leave 8-, 4- and 1-wide tails, and
// 5×5, 2×2 (asymmetric 'same' padding) and 1×1 kernels.
const shapes: Array<[number, number, number, number, number, number]> = [
  [2, 28, 28, 1, 4, 3],
  [3, 14, 14, 4, 8, 3],
  [2, 7, 7, 8, 16, 3],
  [2, 9, 9, 16, 32, 3],
  [3, 7, 5, 4, 8, 3],
  [1, 6, 7, 3, 13, 3],
  [2, 8, 8, 4, 4, 5],
  [2, 8, 9, 4, 12, 2],
  [1, 5, 5, 2, 3, 1],
];

describe('the direct convolution kernels', () => {
  it.each(shapes)(
    'match tf.conv2d and its gradients (batch %i, %i×%i, %i→%i channels, kernel %i)',
    (n, h, w, cin, cout, k) => {
      const fast = kernels();
      const x = randomValues(n * h * w * cin, h * 31 + cin);
      const filter = randomValues(k * k * cin * cout, cout * 17 + k);
      const bias = randomValues(cout, 5);
      const dy = randomValues(n * h * w * cout, w + 3);
      const [expectedY, expectedDx, expectedDf, expectedDb] = tf.tidy(() => {
        const xt = tf.tensor4d(x, [n, h, w, cin]);
        const ft = tf.tensor4d(filter, [k, k, cin, cout]);
        const dyt = tf.tensor4d(dy, [n, h, w, cout]);
        const y = tf.conv2d(xt, ft, 1, 'same').add(tf.tensor1d(bias));
        const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf
            .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')
            .add(c)
            .mul(dyt)
            .sum();
        const [dx, df, db] = tf.grads(f)([xt, ft, tf.tensor1d(bias)]);
        return [y, dx, df, db].map((t) => (t as tf.Tensor).dataSync() as Float32Array);
      }) as [Float32Array, Float32Array, Float32Array, Float32Array];
      // tfjs's 'same' padding: the odd pixel of an even kernel's total padding goes to the bottom / right.
      const top = Math.floor((k - 1) / 2);
      const hp = h + k - 1;
      const wp = w + k - 1;
      const bx = buffer(x);
      const bf = buffer(filter);
      const bb = buffer(bias);
      const bdy = buffer(dy);
      const [bxp, by, bdyp, bflip, bdx, bdf, bdb] = [
        n * hp * wp * cin,
        n * h * w * cout,
        n * hp * wp * cout,
        filter.length,
        x.length,
        filter.length,
        cout,
      ].map((size) => buffer(size)) as F32Buffer[] as [
        F32Buffer,
        F32Buffer,
        F32Buffer,
        F32Buffer,
        F32Buffer,
        F32Buffer,
        F32Buffer,
      ];
      const e = fast.exports;
      e.conv2dPad(bx.ptr, bxp.ptr, n, h, w, cin, k, k, top, top);
      e.conv2dForward(bxp.ptr, bf.ptr, bb.ptr, by.ptr, n, h, w, cin, cout, k, k);
      e.conv2dPad(bdy.ptr, bdyp.ptr, n, h, w, cout, k, k, k - 1 - top, k - 1 - top);
      e.conv2dFlipFilter(bf.ptr, bflip.ptr, k, k, cin, cout);
      e.conv2dForward(bdyp.ptr, bflip.ptr, 0, bdx.ptr, n, h, w, cout, cin, k, k);
      e.conv2dFilterGrad(bxp.ptr, bdy.ptr, bdf.ptr, bdb.ptr, n, h, w, cin, cout, k, k);
      expect(worstError(by.view(), expectedY)).toBeLessThan(1e-5);
      expect(worstError(bdx.view(), expectedDx)).toBeLessThan(1e-5);
      expect(worstError(bdf.view(), expectedDf)).toBeLessThan(1e-5);
      expect(worstError(bdb.view(), expectedDb)).toBeLessThan(1e-5);
      for (const b of [bx, bf, bb, bdy, bxp, by, bdyp, bflip, bdx, bdf, bdb]) b.free();
    },
  );

  it('pads with zeros around the copy, whatever the buffer held before', () => {
    const fast = kernels();
    const [n, h, w, c] = [2, 3, 4, 2];
    const x = Float32Array.from({ length: n * h * w * c }, (_, i) => i + 1);
    const bx = buffer(x);
    const bxp = buffer(Float32Array.from({ length: n * (h + 2) * (w + 2) * c }, () => Number.NaN));
    fast.exports.conv2dPad(bx.ptr, bxp.ptr, n, h, w, c, 3, 3, 1, 1);
    const expected = tf.tidy(
      () =>
        tf
          .pad(tf.tensor4d(x, [n, h, w, c]), [
            [0, 0],
            [1, 1],
            [1, 1],
            [0, 0],
          ])
          .dataSync() as Float32Array,
    );
    expect(Array.from(bxp.view())).toEqual(Array.from(expected));
    bx.free();
    bxp.free();
  });
});
