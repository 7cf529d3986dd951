import { describe, expect, it } from 'vitest';
import { type F32Buffer, kernels } from '../src/fast/kernels.ts';
import { binMap, LMA_GRAD_JS, LMA_JS, LMA_MOMENTS_JS } from '../src/layers/lma.ts';
import { mulberry32, normal } from '../src/random/prng.ts';

function worstRelative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i] as number;
    worst = Math.max(worst, Math.abs((actual[i] as number) - e) / Math.max(1, Math.abs(e)));
  }
  return worst;
}

describe('the LMA kernels', () => {
  // k = 8 and 4 take the swizzled table lookup, k = 12 the scalar loop; 1 003 values leave a scalar tail.
  it.each([
    [8, 4 * 14 * 14 * 8],
    [4, 1003],
    [12, 2048],
  ])('match the reference layer’s kernels with %i segments over %i values', (k, n) => {
    const random = mulberry32(k * n);
    // Values over every segment and past both open ends, NaN-free.
    const x = Float32Array.from({ length: n }, () => 0.4 + 1.5 * normal(random));
    const dy = Float32Array.from({ length: n }, () => normal(random));
    const alpha = Float32Array.from({ length: k }, () => normal(random));
    const beta = Float32Array.from({ length: k }, () => normal(random));
    const epsilon = 1e-5;
    const [mean, std] = [new Float32Array(1), new Float32Array(1)];
    LMA_MOMENTS_JS.compute([x], [mean, std], [], {});
    const y = new Float32Array(n);
    LMA_JS.compute([x, alpha, beta, mean, std], [y], [], { epsilon });
    const [dx, dAlpha, dBeta] = [new Float32Array(n), new Float32Array(k), new Float32Array(k)];
    LMA_GRAD_JS.compute([dy, x, alpha, mean, std], [dx, dAlpha, dBeta], [], { epsilon });

    const fast = kernels();
    const buffers: F32Buffer[] = [];
    const buffer = (v: Float32Array | number) => {
      const out = fast.allocF32(typeof v === 'number' ? v : v.length);
      if (typeof v !== 'number') out.view().set(v);
      buffers.push(out);
      return out;
    };
    const [bx, bdy, ba, bb] = [x, dy, alpha, beta].map(buffer) as [F32Buffer, F32Buffer, F32Buffer, F32Buffer];
    const [by, bdx, bda, bdb] = [n, n, k, k].map(buffer) as [F32Buffer, F32Buffer, F32Buffer, F32Buffer];
    const moments = buffer(2);
    const sums = buffer(4 * k);
    const e = fast.exports;
    e.lmaMoments(bx.ptr, n, moments.ptr);
    const [m, s] = moments.view();
    expect(Math.abs((m as number) - (mean[0] as number))).toBeLessThan(1e-6);
    expect(Math.abs((s as number) - (std[0] as number)) / (std[0] as number)).toBeLessThan(1e-6);
    // The same μ and σ on both sides: segments are then the same (the bin map is computed in double precision).
    const [a, b] = binMap(k, mean[0] as number, std[0] as number, epsilon);
    e.lmaForward(bx.ptr, by.ptr, n, ba.ptr, bb.ptr, k, a, b);
    e.lmaGrad(bdy.ptr, bx.ptr, bdx.ptr, n, ba.ptr, k, a, b, bda.ptr, bdb.ptr, sums.ptr);
    expect(worstRelative(by.view(), y)).toBeLessThan(1e-6);
    expect(Array.from(bdx.view())).toEqual(Array.from(dx));
    expect(Array.from(bda.view())).toEqual(Array.from(dAlpha));
    expect(Array.from(bdb.view())).toEqual(Array.from(dBeta));
    for (const b of buffers) b.free();
  });
});
