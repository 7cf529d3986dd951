import { packedTensorBytes } from '@distillery/spec';
import { describe, expect, it } from 'vitest';
import { dequantizeBuckets, quantizeBuckets } from '../src/index.ts';
import { packQuantized, unpackQuantized } from '../src/quantize/pack.ts';
import { mulberry32, normal } from '../src/random/prng.ts';

function gaussian(n: number, seed: number, scale = 0.1): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: n }, () => scale * normal(random));
}

describe('bucket quantization', () => {
  const BITS = [2, 3, 4, 8, 16];

  it('errs by at most half a step in every bucket', () => {
    const values = gaussian(1000, 1);
    for (const bits of BITS) {
      for (const bucketSize of [1, 7, 256, 5000]) {
        const q = quantizeBuckets(values, bits, bucketSize);
        const back = dequantizeBuckets(q);
        values.forEach((v, i) => {
          const step = q.scales[Math.floor(i / bucketSize)] as number;
          // Half a step, plus float32 rounding of the dequantized value.
          expect(Math.abs((back[i] as number) - v)).toBeLessThanOrEqual(step / 2 + 1e-7 * Math.abs(v) + 1e-12);
        });
      }
    }
  });

  it('uses 2^bits levels between each bucket minimum and maximum', () => {
    const values = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, -3, 9]);
    const q = quantizeBuckets(values, 2, 8);
    // Bucket 0 = 0…7: 4 levels at 0, 7/3, 14/3, 7. Bucket 1 = −3, 9: levels −3, 1, 5, 9.
    expect(Array.from(q.offsets)).toEqual([0, -3]);
    expect(Array.from(q.scales)).toEqual([Math.fround(7 / 3), 4]);
    expect(Array.from(q.codes)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 0, 3]);
    expect(Math.max(...q.codes)).toBeLessThan(4);
  });

  it('is idempotent: quantizing dequantized values gives the same codes and values', () => {
    const values = gaussian(777, 2);
    for (const bits of BITS) {
      const q1 = quantizeBuckets(values, bits, 64);
      const d1 = dequantizeBuckets(q1);
      const q2 = quantizeBuckets(d1, bits, 64);
      expect(Array.from(q2.codes)).toEqual(Array.from(q1.codes));
      expect(Array.from(dequantizeBuckets(q2))).toEqual(Array.from(d1));
    }
  });

  it('maps a constant bucket to code 0 and back exactly', () => {
    const q = quantizeBuckets(Float32Array.from([0.5, 0.5, 0.5]), 4, 2);
    expect(Array.from(q.codes)).toEqual([0, 0, 0]);
    expect(Array.from(dequantizeBuckets(q))).toEqual([0.5, 0.5, 0.5]);
  });
});

describe('packing', () => {
  it('takes exactly packedTensorBytes and unpacks to the same codes, scales and offsets', () => {
    for (const bits of [2, 3, 4, 5, 6, 7, 8, 16]) {
      for (const n of [1, 5, 256, 1001]) {
        const q = quantizeBuckets(gaussian(n, bits * 1000 + n), bits, 256);
        const bytes = packQuantized(q);
        expect(bytes.length).toBe(packedTensorBytes(n, bits, 256));
        const back = unpackQuantized(bytes, n, bits, 256);
        expect(Array.from(back.codes)).toEqual(Array.from(q.codes));
        expect(Array.from(back.scales)).toEqual(Array.from(q.scales));
        expect(Array.from(back.offsets)).toEqual(Array.from(q.offsets));
      }
    }
  });

  it('rejects a payload of the wrong length', () => {
    expect(() => unpackQuantized(new Uint8Array(3), 10, 4, 256)).toThrow(/needs 13 bytes, got 3/);
  });
});
