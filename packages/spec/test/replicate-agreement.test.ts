import { describe, expect, it } from 'vitest';
import { encodeTestPredictions, replicateAgreement } from '../src/index.ts';

const u8 = (...v: number[]) => Uint8Array.from(v);

describe('replicate agreement', () => {
  it('is the mean over pairs of the fraction of test examples predicted alike', () => {
    // a–b agree on 3 of 4, a–c on 1 of 4, b–c on 2 of 4: (0.75 + 0.25 + 0.5) / 3.
    const a = u8(0, 1, 2, 3);
    const b = u8(0, 1, 2, 0);
    const c = u8(0, 0, 0, 0);
    expect(replicateAgreement([a, b, c])).toEqual({ value: 0.5, pairs: 3 });
    expect(replicateAgreement([a, a])).toEqual({ value: 1, pairs: 1 });
  });

  it('has no value for one replicate, and skips replicates without predictions or of another test set', () => {
    expect(replicateAgreement([u8(1, 2)])).toEqual({ value: null, pairs: 0 });
    expect(replicateAgreement([])).toEqual({ value: null, pairs: 0 });
    // The null and the 3-example list pair with nothing; the two 2-example lists agree on 1 of 2.
    expect(replicateAgreement([u8(1, 2), null, u8(1, 0), u8(1, 2, 3), undefined])).toEqual({ value: 0.5, pairs: 1 });
  });

  it('stores one byte per example, and nothing for more than 256 classes', () => {
    expect(encodeTestPredictions([0, 9, 255], 256)).toEqual(u8(0, 9, 255));
    expect(encodeTestPredictions([0, 300], 1000)).toBeNull();
  });
});
