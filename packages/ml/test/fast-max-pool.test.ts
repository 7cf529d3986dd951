import type { ModelSpec } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type F32Buffer, kernels } from '../src/fast/kernels.ts';
import { planMlp } from '../src/fast/mlp-plan.ts';
import { buildModel } from '../src/model/build-model.ts';
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

describe("max-pool before ReLU (the fused step's order for ReLU → pool)", () => {
  it('is the order the plan of a ReLU CNN runs, with the ReLU over the pooled positions', () => {
    const spec: ModelSpec = { family: 'cnn', channels: [4, 8], dense: [], activation: 'relu', batchNorm: true };
    const model = buildModel(spec, { shape: [28, 28, 1], classes: 10 }, 0);
    const planned = planMlp(model);
    model.dispose();
    if ('unsupported' in planned) throw new Error(planned.unsupported);
    const kinds = planned.plan.ops.map((op) => (op.kind === 'relu' ? `relu×${op.positions}` : op.kind));
    expect(kinds).toEqual([
      'conv2d',
      'batch-norm',
      'max-pool',
      'relu×196',
      'conv2d',
      'batch-norm',
      'max-pool',
      'relu×49',
      'dense',
    ]);
  });

  it.each([
    [2, 28, 28, 4],
    [3, 7, 6, 3],
  ])('gives the bits of ReLU then pool, forward and backward (batch %i, %i×%i, %i channels)', (n, h, w, c) => {
    const random = mulberry32(n * h * w * c);
    // Ties at zero and below, −0, equal positive values and windows with no positive value.
    const pick = [0, -0, 1.5, -1.5];
    const x = Float32Array.from({ length: n * h * w * c }, () =>
      random() < 0.5 ? (pick[Math.floor(random() * 4)] as number) : normal(random),
    );
    const pooled = n * (h >> 1) * (w >> 1) * c;
    const dy = Float32Array.from({ length: pooled }, () => normal(random));
    const fast = kernels();
    const e = fast.exports;
    const owned: F32Buffer[] = [];
    const buffer = (from: Float32Array | number) => {
      const b = fast.allocF32(typeof from === 'number' ? from : from.length);
      if (typeof from !== 'number') b.view().set(from);
      owned.push(b);
      return b;
    };
    const [bx, bdy] = [buffer(x), buffer(dy)];
    // ReLU → pool.
    const [r, y1, which1, g1, dx1] = [
      buffer(x.length),
      buffer(pooled),
      buffer(pooled),
      buffer(x.length),
      buffer(x.length),
    ];
    e.relu(bx.ptr, r.ptr, x.length);
    e.maxPool2x2(r.ptr, y1.ptr, which1.ptr, n, h, w, c);
    e.maxPool2x2Grad(bdy.ptr, which1.ptr, g1.ptr, n, h, w, c);
    e.reluGrad(g1.ptr, bx.ptr, dx1.ptr, x.length);
    // Pool → ReLU.
    const [p, y2, which2, g2, dx2] = [buffer(pooled), buffer(pooled), buffer(pooled), buffer(pooled), buffer(x.length)];
    e.maxPool2x2(bx.ptr, p.ptr, which2.ptr, n, h, w, c);
    e.relu(p.ptr, y2.ptr, pooled);
    e.reluGrad(bdy.ptr, p.ptr, g2.ptr, pooled);
    e.maxPool2x2Grad(g2.ptr, which2.ptr, dx2.ptr, n, h, w, c);
    const bits = (b: F32Buffer) => Array.from(new Uint32Array(b.view().slice().buffer));
    expect(bits(y2)).toEqual(bits(y1));
    expect(bits(dx2)).toEqual(bits(dx1));
    for (const b of owned) b.free();
  });
});
