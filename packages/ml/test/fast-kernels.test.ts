import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileKernels, KERNEL_BINARY } from '../../../scripts/build-kernels.ts';
import { kernels } from '../src/fast/kernels.ts';
import { mulberry32, normal } from '../src/random/prng.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);
afterAll(useWasm);

const randomValues = (n: number, seed: number) => {
  const random = mulberry32(seed);
  return Float32Array.from({ length: n }, () => normal(random));
};

function worstRelative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i] as number;
    worst = Math.max(worst, Math.abs((actual[i] as number) - e) / Math.max(1, Math.abs(e)));
  }
  return worst;
}

describe('the SIMD kernel module', () => {
  it('is the binary its AssemblyScript sources compile to', async () => {
    const built = await compileKernels();
    expect(Buffer.from(built).equals(readFileSync(KERNEL_BINARY))).toBe(true);
  }, 120_000);

  it('is instantiated once per process and hands out 16-byte aligned buffers', () => {
    const k = kernels();
    expect(kernels()).toBe(k);
    const buffers = [3, 17, 1000].map((n) => k.allocF32(n));
    for (const b of buffers) {
      expect(b.ptr % 16).toBe(0);
      expect(Array.from(b.view()).every((v) => v === 0)).toBe(true);
    }
    for (const b of buffers) b.free();
  });

  it('keeps buffers readable after its memory grows', () => {
    const k = kernels();
    const small = k.allocF32(4);
    small.view().set([1, 2, 3, 4]);
    const pages = k.exports.memory.buffer.byteLength / 65536;
    const big = k.allocF32(pages * 65536); // more than the whole memory: it must grow
    expect(k.exports.memory.buffer.byteLength / 65536).toBeGreaterThan(pages);
    expect(Array.from(small.view())).toEqual([1, 2, 3, 4]);
    big.free();
    small.free();
  });

  // Shapes with every tile and tail of the kernel: 4-row blocks and leftover rows, 8/4-column blocks and
  // scalar columns.
  const shapes: Array<[number, number, number]> = [
    [64, 784, 8],
    [7, 13, 10],
    [5, 3, 4],
    [9, 32, 37],
    [1, 1, 1],
  ];

  it.each(shapes)('multiplies %i×%i by %i columns as tf.matMul does, plain and accumulating', (m, k, n) => {
    const fast = kernels();
    const a = randomValues(m * k, m + k);
    const b = randomValues(k * n, n);
    const c0 = randomValues(m * n, 7);
    const expected = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])).dataSync());
    const [pa, pb, pc] = [fast.allocF32(m * k), fast.allocF32(k * n), fast.allocF32(m * n)];
    pa.view().set(a);
    pb.view().set(b);
    fast.exports.gemm(pa.ptr, k, 1, pb.ptr, pc.ptr, m, k, n, 0);
    expect(worstRelative(pc.view(), expected)).toBeLessThan(1e-5);
    pc.view().set(c0);
    fast.exports.gemm(pa.ptr, k, 1, pb.ptr, pc.ptr, m, k, n, 1);
    expect(
      worstRelative(
        pc.view(),
        Float32Array.from(expected, (v, i) => v + (c0[i] as number)),
      ),
    ).toBeLessThan(1e-5);
    for (const p of [pa, pb, pc]) p.free();
  });

  it('multiplies a transposed operand read through its strides as tf.matMul(aᵀ, b)', () => {
    const fast = kernels();
    const [rows, k, n] = [64, 30, 8]; // aᵀ·b with a [rows×k]: C [k×n]
    const a = randomValues(rows * k, 11);
    const b = randomValues(rows * n, 12);
    const expected = tf.tidy(() =>
      tf.matMul(tf.tensor2d(a, [rows, k]), tf.tensor2d(b, [rows, n]), true, false).dataSync(),
    );
    const [pa, pb, pc] = [fast.allocF32(rows * k), fast.allocF32(rows * n), fast.allocF32(k * n)];
    pa.view().set(a);
    pb.view().set(b);
    fast.exports.gemm(pa.ptr, 1, k, pb.ptr, pc.ptr, k, rows, n, 0);
    expect(worstRelative(pc.view(), expected)).toBeLessThan(1e-5);
    for (const p of [pa, pb, pc]) p.free();
  });
});
