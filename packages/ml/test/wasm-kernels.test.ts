import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);
afterAll(useWasm);

type Case = {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: 'same' | 'valid';
};
const cases: Case[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 8, 8, 2], filter: [3, 3, 2, 5], stride: 2, pad: 'same' },
  { x: [2, 7, 7, 2], filter: [4, 4, 2, 2], stride: 2, pad: 'same' },
  { x: [3, 5, 5, 2], filter: [2, 2, 2, 3], stride: 2, pad: 'valid' },
  { x: [1, 9, 6, 1], filter: [5, 3, 1, 2], stride: 3, pad: 'valid' },
  { x: [2, 6, 6, 3], filter: [1, 1, 3, 2], stride: 1, pad: 'valid' },
];

/** Gradients of Σ conv(x, f)² w.r.t. x and f on the named backend, as plain arrays. */
async function gradients(backend: string, c: Case, x: Float32Array, f: Float32Array) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf
        .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad)
        .square()
        .sum(),
    );
    return g([tf.tensor(x, c.x), tf.tensor(f, c.filter)]).map((t) => ({
      shape: t.shape,
      values: t.dataSync().slice(),
    }));
  });
}

describe('the wasm convolution gradient kernels (Conv2DBackpropFilter added, stride-1 Conv2DBackpropInput replaced)', () => {
  for (const c of cases) {
    it(`matches the cpu backend for x ${c.x} filter ${c.filter} stride ${c.stride} padding ${c.pad}`, async () => {
      const random = (n: number, seed: number) =>
        Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 997 + i * 1.37));
      const x = random(
        c.x.reduce((a, b) => a * b),
        1,
      );
      const f = random(
        c.filter.reduce((a, b) => a * b),
        2,
      );
      const cpu = await gradients('cpu', c, x, f);
      const wasm = await gradients('wasm', c, x, f);
      for (const k of [0, 1]) {
        const [a, b] = [cpu[k], wasm[k]] as [
          { shape: number[]; values: Float32Array },
          { shape: number[]; values: Float32Array },
        ];
        expect(b.shape).toEqual(a.shape);
        const scale = Math.max(...a.values.map(Math.abs));
        a.values.forEach((v, i) => {
          expect(Math.abs((b.values[i] as number) - v)).toBeLessThanOrEqual(1e-5 * scale);
        });
      }
    });
  }
});

describe('the wasm BatchMatMul with transposed operands', () => {
  for (const [transposeA, transposeB] of [
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    for (const batched of [false, true]) {
      it(`matches the cpu backend (transposeA ${transposeA}, transposeB ${transposeB}${batched ? ', batched' : ''})`, async () => {
        const [m, k, n] = [5, 7, 3];
        const aShape = transposeA ? [k, m] : [m, k];
        const bShape = transposeB ? [n, k] : [k, n];
        const lead = batched ? [2] : [];
        const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
        const a = Float32Array.from({ length: size([...lead, ...aShape]) }, (_, i) => Math.cos(i));
        const b = Float32Array.from({ length: size([...lead, ...bShape]) }, (_, i) => Math.sin(i * 0.7));
        const product = async (backend: string) => {
          await tf.setBackend(backend);
          return tf.tidy(() =>
            tf
              .matMul(tf.tensor(a, [...lead, ...aShape]), tf.tensor(b, [...lead, ...bShape]), transposeA, transposeB)
              .dataSync()
              .slice(),
          );
        };
        const cpu = await product('cpu');
        const wasm = await product('wasm');
        cpu.forEach((v, i) => {
          expect(wasm[i]).toBeCloseTo(v, 5);
        });
      });
    }
  }
});

describe('the wasm MaxPoolGrad (replaced by a loop)', () => {
  const pools: Array<{ x: [number, number, number, number]; size: number; stride: number; pad: 'same' | 'valid' }> = [
    { x: [2, 6, 6, 3], size: 2, stride: 2, pad: 'valid' },
    { x: [2, 7, 5, 2], size: 2, stride: 2, pad: 'valid' },
    { x: [1, 7, 7, 2], size: 3, stride: 2, pad: 'same' },
    { x: [2, 5, 5, 1], size: 3, stride: 1, pad: 'same' },
  ];
  for (const p of pools) {
    it(`matches the cpu backend, ties included, for x ${p.x} size ${p.size} stride ${p.stride} padding ${p.pad}`, async () => {
      const n = p.x.reduce((a, b) => a * b);
      // Rounded values make ties (as ReLU zeros and LMA's flat segments do); the gradient goes to one of them.
      const x = Float32Array.from({ length: n }, (_, i) => Math.max(0, Math.round(Math.sin(i * 2.3) * 3)));
      const grad = async (backend: string) => {
        await tf.setBackend(backend);
        return tf.tidy(() => {
          const input = tf.tensor(x, p.x) as tf.Tensor4D;
          const shape = tf.maxPool(input, p.size, p.stride, p.pad).shape;
          // Distinct weights per output, so a gradient routed to the wrong input shows.
          const weights = tf.range(1, 1 + shape.reduce((a, b) => a * b)).reshape(shape);
          const pooled = (v: tf.Tensor) =>
            tf
              .maxPool(v as tf.Tensor4D, p.size, p.stride, p.pad)
              .mul(weights)
              .sum();
          return tf.grad(pooled)(input).dataSync().slice();
        });
      };
      const cpu = await grad('cpu');
      const wasm = await grad('wasm');
      expect(Array.from(wasm)).toEqual(Array.from(cpu));
    });
  }
});
