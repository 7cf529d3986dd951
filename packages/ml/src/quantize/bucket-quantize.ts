/**
 * Uniform min–max weight quantization per bucket (Polino et al., ICLR 2018, as used by the LMA paper): the
 * values of a tensor, flattened, are cut into buckets of `bucketSize` consecutive values; each bucket keeps its
 * minimum (offset) and step (scale = (max − min)/(2^bits − 1)) as float32, and every value the integer code
 * round((v − offset)/scale) in [0, 2^bits − 1]. Dequantized: offset + code·scale. The error is at most half a
 * step per bucket; quantizing dequantized values gives back the same codes.
 */
export interface QuantizedTensor {
  /** Number of values. */
  length: number;
  bits: number;
  bucketSize: number;
  /** One integer code per value. */
  codes: Uint32Array;
  /** Per bucket: the step between levels (0 for a constant bucket). */
  scales: Float32Array;
  /** Per bucket: the value of code 0 (the bucket's minimum). */
  offsets: Float32Array;
}

export function quantizeBuckets(values: ArrayLike<number>, bits: number, bucketSize: number): QuantizedTensor {
  if (!Number.isInteger(bits) || bits < 1 || bits > 32) throw new Error(`bits must be an integer in 1–32, got ${bits}`);
  if (!Number.isInteger(bucketSize) || bucketSize < 1) throw new Error(`bucketSize must be ≥ 1, got ${bucketSize}`);
  const n = values.length;
  const buckets = Math.ceil(n / bucketSize);
  const top = 2 ** bits - 1;
  const codes = new Uint32Array(n);
  const scales = new Float32Array(buckets);
  const offsets = new Float32Array(buckets);
  for (let b = 0; b < buckets; b++) {
    const from = b * bucketSize;
    const to = Math.min(n, from + bucketSize);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = from; i < to; i++) {
      const v = values[i] as number;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    // Codes are computed against the float32 scale and offset that are stored, so decoding reproduces them.
    const offset = Math.fround(min);
    const scale = Math.fround((max - min) / top);
    offsets[b] = offset;
    scales[b] = scale;
    for (let i = from; i < to; i++) {
      const code = scale > 0 ? Math.round(((values[i] as number) - offset) / scale) : 0;
      codes[i] = Math.max(0, Math.min(top, code));
    }
  }
  return { length: n, bits, bucketSize, codes, scales, offsets };
}

export function dequantizeBuckets(q: QuantizedTensor): Float32Array {
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) {
    const b = Math.floor(i / q.bucketSize);
    out[i] = (q.offsets[b] as number) + (q.codes[i] as number) * (q.scales[b] as number);
  }
  return out;
}

/** Quantize then dequantize: the values a quantized model computes with. */
export function fakeQuantize(values: ArrayLike<number>, bits: number, bucketSize: number): Float32Array {
  return dequantizeBuckets(quantizeBuckets(values, bits, bucketSize));
}
