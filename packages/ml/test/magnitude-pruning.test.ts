import { describe, expect, it } from 'vitest';
import { gatherMasked, packBitmap, scatterMasked, unpackBitmap } from '../src/prune/bitmap-pack.ts';
import { magnitudeMasks, maskCount } from '../src/prune/magnitude-mask.ts';

describe('global magnitude pruning on layer-normalized magnitudes', () => {
  // ‖a‖ = 5 (3, 4), ‖b‖ = 10: normalized |w| are a: .6 .8 0 ; b: .1 .3 .9 .1 .3
  const a = Float32Array.from([3, -4, 0]);
  const b = Float32Array.from([1, 3, -9, -1, 3]);

  it('prunes the smallest |w| / ‖W‖ over all tensors together, ties by tensor then index', () => {
    // 8 values at 50%: 4 pruned — a[2] (0), b[0] and b[3] (.1), then b[1] (the first .3).
    const [ma, mb] = magnitudeMasks([a, b], 0.5);
    expect([...(ma as Uint8Array)]).toEqual([1, 1, 0]);
    expect([...(mb as Uint8Array)]).toEqual([0, 0, 1, 0, 1]);
  });

  it('keeps supports nested: what one round pruned stays pruned in the next, whatever it weighs now', () => {
    const first = magnitudeMasks([a, b], 0.25);
    expect(first.map((m) => [...m])).toEqual([
      [1, 1, 0],
      [0, 1, 1, 1, 1],
    ]);
    // After retraining b[0] grew large; the next round still treats it as pruned.
    const second = magnitudeMasks([Float32Array.from([3, -4, 0]), Float32Array.from([50, 3, -9, -1, 3])], 0.5, first);
    expect(second.map((m) => [...m])).toEqual([
      [1, 1, 0],
      [0, 0, 1, 0, 1],
    ]);
    second.forEach((m, t) => {
      m.forEach((kept, i) => {
        if (!(first[t] as Uint8Array)[i]) expect(kept).toBe(0);
      });
    });
    expect(second.reduce((n, m) => n + maskCount(m), 0)).toBe(4);
  });
});

describe('the bitmap layout', () => {
  it('packs one bit a value, least significant first, and gathers and scatters the nonzeros in order', () => {
    const mask = Uint8Array.from([1, 0, 0, 1, 1, 0, 0, 0, 1]);
    const bytes = packBitmap(mask);
    expect([...bytes]).toEqual([0b0001_1001, 0b1]);
    expect([...unpackBitmap(bytes, 9)]).toEqual([...mask]);
    const dense = Float32Array.from([5, 0, 0, -2, 7, 0, 0, 0, 1.5]);
    const values = gatherMasked(dense, mask);
    expect([...values]).toEqual([5, -2, 7, 1.5]);
    expect([...scatterMasked(values, mask)]).toEqual([...dense]);
  });

  it('refuses a bitmap with bits set past its end', () => {
    expect(() => unpackBitmap(Uint8Array.from([0, 0b10]), 9)).toThrow(/past its end/);
  });
});
