import { packedTensorBytes } from '@distillery/spec';
import type { QuantizedTensor } from './bucket-quantize.ts';

/**
 * The packed form of a quantized tensor, exactly `packedTensorBytes(n, bits, bucketSize)` bytes: the codes as
 * one little-endian bit stream (code i occupies bits i·bits … i·bits + bits − 1, least significant first; the
 * last byte is zero-padded), then per bucket its scale and offset as float32 little-endian.
 */
export function packQuantized(q: QuantizedTensor): Uint8Array {
  const codeBytes = Math.ceil((q.length * q.bits) / 8);
  const buckets = q.scales.length;
  const out = new Uint8Array(packedTensorBytes(q.length, q.bits, q.bucketSize));
  let bitPos = 0;
  for (let i = 0; i < q.length; i++) {
    let code = q.codes[i] as number;
    let remaining = q.bits;
    while (remaining > 0) {
      const byte = bitPos >>> 3;
      const shift = bitPos & 7;
      const take = Math.min(8 - shift, remaining);
      out[byte] = (out[byte] as number) | ((code & ((1 << take) - 1)) << shift);
      code = Math.floor(code / 2 ** take);
      remaining -= take;
      bitPos += take;
    }
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0; b < buckets; b++) {
    view.setFloat32(codeBytes + 8 * b, q.scales[b] as number, true);
    view.setFloat32(codeBytes + 8 * b + 4, q.offsets[b] as number, true);
  }
  return out;
}

/** Inverse of `packQuantized`. */
export function unpackQuantized(bytes: Uint8Array, length: number, bits: number, bucketSize: number): QuantizedTensor {
  const expected = packedTensorBytes(length, bits, bucketSize);
  if (bytes.length !== expected) {
    throw new Error(`packed tensor of ${length} values at ${bits} bits needs ${expected} bytes, got ${bytes.length}`);
  }
  const codeBytes = Math.ceil((length * bits) / 8);
  const buckets = Math.ceil(length / bucketSize);
  const codes = new Uint32Array(length);
  let bitPos = 0;
  for (let i = 0; i < length; i++) {
    let code = 0;
    let got = 0;
    while (got < bits) {
      const byte = bitPos >>> 3;
      const shift = bitPos & 7;
      const take = Math.min(8 - shift, bits - got);
      code += (((bytes[byte] as number) >>> shift) & ((1 << take) - 1)) * 2 ** got;
      got += take;
      bitPos += take;
    }
    codes[i] = code;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scales = new Float32Array(buckets);
  const offsets = new Float32Array(buckets);
  for (let b = 0; b < buckets; b++) {
    scales[b] = view.getFloat32(codeBytes + 8 * b, true);
    offsets[b] = view.getFloat32(codeBytes + 8 * b + 4, true);
  }
  return { length, bits, bucketSize, codes, scales, offsets };
}
