import { readFileSync } from 'node:fs';
import type { OptimizerSpec } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileKernels, KERNEL_BINARY } from '../../../scripts/build-kernels.ts';
import { type F32Buffer, kernels } from '../src/fast/kernels.ts';
import { fakeQuantize } from '../src/quantize/bucket-quantize.ts';
import { mulberry32, normal } from '../src/random/prng.ts';
import { Optimizer } from '../src/train/optimizer.ts';
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

describe("the product kernel's order of additions", () => {
  /** C(r, j) from 0 (or C) plus A(r, p)·B(p, j) for p ascending, each product and sum rounded to float32. */
  function scalarProduct(
    a: Float32Array,
    ars: number,
    acs: number,
    b: Float32Array,
    c: Float32Array,
    m: number,
    k: number,
    n: number,
  ) {
    const out = Float32Array.from(c);
    for (let r = 0; r < m; r++) {
      for (let j = 0; j < n; j++) {
        let s = out[r * n + j] as number;
        for (let p = 0; p < k; p++) {
          s = Math.fround(s + Math.fround((a[r * ars + p * acs] as number) * (b[p * n + j] as number)));
        }
        out[r * n + j] = s;
      }
    }
    return out;
  }

  // 1100 and 2050 inner steps cross the kernel's packed blocks of 1024 rows of B, whose partial sums go
  // through C; 13 columns take an 8-wide strip, a 4-wide one and a single column. A fraction of A set to
  // zero (in runs, as an image's background is) makes the kernel skip steps where a block's A values are all
  // zero, which must not change a bit.
  const cases: Array<[number, number, number, boolean, number]> = [
    [6, 1100, 13, false, 0],
    [9, 2050, 12, true, 0],
    [5, 40, 37, false, 0],
    [64, 784, 20, false, 0.8],
    [784, 64, 12, true, 0.8],
    [13, 300, 9, true, 0.5],
  ];
  it.each(cases)(
    'gives the bits of a float32 scalar loop for %i×%i·%i columns (transposed A: %s, zero fraction: %s)',
    (m, k, n, transposed, zeros) => {
      const fast = kernels();
      const a = randomValues(m * k, m * k);
      const random = mulberry32(k);
      for (let i = 0; i < a.length; ) {
        const run = 1 + Math.floor(random() * 40);
        if (random() < zeros) a.fill(0, i, i + run);
        i += run;
      }
      const b = randomValues(k * n, n);
      const c0 = randomValues(m * n, 3);
      const [ars, acs] = transposed ? [1, m] : [k, 1];
      const [pa, pb, pc] = [fast.allocF32(m * k), fast.allocF32(k * n), fast.allocF32(m * n)];
      pa.view().set(a);
      pb.view().set(b);
      fast.exports.gemm(pa.ptr, ars, acs, pb.ptr, pc.ptr, m, k, n, 0);
      expect(Array.from(pc.view())).toEqual(
        Array.from(scalarProduct(a, ars, acs, b, new Float32Array(m * n), m, k, n)),
      );
      pc.view().set(c0);
      fast.exports.gemm(pa.ptr, ars, acs, pb.ptr, pc.ptr, m, k, n, 1);
      expect(Array.from(pc.view())).toEqual(Array.from(scalarProduct(a, ars, acs, b, c0, m, k, n)));
      for (const p of [pa, pb, pc]) p.free();
    },
  );

  // k = 1100 crosses a packed block, k = 6 leaves a 4×4 block and two single steps, 13 columns every strip width.
  it.each([
    [64, 256, 256],
    [7, 13, 10],
    [5, 1100, 13],
    [3, 6, 5],
  ])(
    "multiplies by a transpose read in place (gemmBt) with gemm's bits over the transposed copy: %i×%i·%i",
    (m, k, n) => {
      const fast = kernels();
      const a = randomValues(m * k, m);
      a.fill(0, 0, Math.floor(a.length / 3)); // zero steps too
      const bt = randomValues(n * k, n); // Bᵀ [n × k]
      const b = Float32Array.from({ length: k * n }, (_, i) => bt[(i % n) * k + Math.floor(i / n)] as number);
      const c0 = randomValues(m * n, 5);
      const [pa, pb, pbt, pc, pd] = [m * k, k * n, n * k, m * n, m * n].map((size) =>
        fast.allocF32(size),
      ) as F32Buffer[];
      (pa as F32Buffer).view().set(a);
      (pb as F32Buffer).view().set(b);
      (pbt as F32Buffer).view().set(bt);
      for (const accumulate of [0, 1]) {
        (pc as F32Buffer).view().set(c0);
        (pd as F32Buffer).view().set(c0);
        fast.exports.gemm(
          (pa as F32Buffer).ptr,
          k,
          1,
          (pb as F32Buffer).ptr,
          (pc as F32Buffer).ptr,
          m,
          k,
          n,
          accumulate,
        );
        fast.exports.gemmBt(
          (pa as F32Buffer).ptr,
          k,
          1,
          (pbt as F32Buffer).ptr,
          (pd as F32Buffer).ptr,
          m,
          k,
          n,
          accumulate,
        );
        expect(Array.from((pd as F32Buffer).view())).toEqual(Array.from((pc as F32Buffer).view()));
      }
      for (const p of [pa, pb, pbt, pc, pd]) (p as F32Buffer).free();
    },
  );
});

describe('the SIMD optimizer and batch kernels', () => {
  const n = 1001; // odd: the two-lane loop and the scalar tail
  const w = randomValues(n, 21);
  const g = randomValues(n, 22);
  const m = randomValues(n, 23).map((v) => v * 0.1);
  const v = randomValues(n, 24).map((x) => x * x * 0.01);

  /** The reference Optimizer's update (its fused JS kernel on wasm) from slots `slots`, two steps. */
  function reference(spec: OptimizerSpec, slots: Float32Array[]): Float32Array[] {
    const variable = tf.variable(tf.tensor1d(w));
    const optimizer = new Optimizer(spec, [variable], [true]);
    if (slots.length > 0) optimizer.restore({ steps: 0, slots: slots.map((s) => [s]) });
    for (let step = 0; step < 2; step++) tf.tidy(() => optimizer.step([tf.tensor1d(g)], spec.lr));
    const out = [Float32Array.from(variable.dataSync())];
    for (const s of (optimizer as unknown as { slots: tf.Variable[][] }).slots)
      out.push(Float32Array.from(s[0]?.dataSync() ?? []));
    optimizer.dispose();
    variable.dispose();
    return out;
  }

  function fast(spec: OptimizerSpec, slots: Float32Array[]): Float32Array[] {
    const k = kernels();
    const buffers = [w, g, ...slots].map((values) => {
      const b = k.allocF32(n);
      b.view().set(values);
      return b;
    });
    const [pw, pg, p1, p2] = buffers as [F32Buffer, F32Buffer, F32Buffer?, F32Buffer?];
    const decay = spec.weightDecay ?? 0;
    const { beta1, beta2, epsilon } = Optimizer.ADAM;
    for (let t = 1; t <= 2; t++) {
      if (spec.name === 'adam') {
        const [bm, bv] = [p1 as F32Buffer, p2 as F32Buffer];
        k.exports.adamStep(
          pw.ptr,
          pg.ptr,
          bm.ptr,
          bv.ptr,
          n,
          spec.lr,
          decay,
          beta1,
          beta2,
          epsilon,
          1 - beta1 ** t,
          1 - beta2 ** t,
        );
      } else if (p1) k.exports.momentumStep(pw.ptr, pg.ptr, p1.ptr, n, spec.lr, decay, spec.momentum ?? 0);
      else k.exports.sgdStep(pw.ptr, pg.ptr, n, spec.lr, decay);
    }
    const out = [pw, ...(p1 ? [p1] : []), ...(p2 ? [p2] : [])].map((b) => Float32Array.from(b.view()));
    for (const b of buffers) b.free();
    return out;
  }

  const specs: Array<[string, OptimizerSpec, Float32Array[]]> = [
    ['SGD with weight decay', { name: 'sgd', lr: 0.05, weightDecay: 0.01 }, []],
    ['SGD with momentum and weight decay', { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 0.01 }, [m]],
    ['Adam with weight decay', { name: 'adam', lr: 0.003, weightDecay: 0.01 }, [m, v]],
  ];

  it.each(specs)('updates as the reference optimizer does, bit for bit: %s', (_, spec, slots) => {
    const expected = reference(spec, slots);
    const actual = fast(spec, slots);
    expect(actual.length).toBe(expected.length);
    actual.forEach((a, i) => {
      expect(Array.from(a)).toEqual(Array.from(expected[i] as Float32Array));
    });
  });

  // Buckets of 256 and 64 take the four-value loop, 7 and 30 its scalar tail too; a constant stretch (scale 0),
  // exact zeros of both signs (pruned weights) and values on a code's rounding boundary are included.
  it.each([
    [4, 256],
    [8, 64],
    [2, 7],
    [3, 30],
  ])('fake-quantizes at %i bits in buckets of %i as fakeQuantize does, bit for bit', (bits, bucket) => {
    const k = kernels();
    const values = Float32Array.from(randomValues(1003, bits + bucket), (x, i) =>
      i >= 14 && i < 21 ? 0.5 : i % 11 === 0 ? (i % 2 ? -0 : 0) : i % 13 === 0 ? 0.25 : x,
    );
    const b = k.allocF32(values.length);
    b.view().set(values);
    k.exports.fakeQuantize(b.ptr, values.length, bits, bucket);
    expect(Array.from(b.view())).toEqual(Array.from(fakeQuantize(values, bits, bucket)));
    b.free();
  });

  it('turns pixels into features as the batch code does, bit for bit', () => {
    const k = kernels();
    const pixels = Uint8Array.from({ length: 1003 }, (_, i) => (i * 37) % 256);
    const src = k.exports.alloc(pixels.length);
    k.u8(src, pixels.length).set(pixels);
    const dst = k.allocF32(pixels.length);
    k.exports.pixelsToF32(src, dst.ptr, pixels.length, 1 / 255);
    expect(Array.from(dst.view())).toEqual(Array.from(Float32Array.from(pixels, (p) => p * (1 / 255))));
    k.exports.free(src);
    dst.free();
  });
});
