import { bitmapBytes } from '@distillery/spec';

/**
 * The bitmap of a sparse tensor: bit i (least significant first within each byte) is 1 where value i is stored,
 * the last byte zero-padded — `bitmapBytes(n)` bytes.
 */
export function packBitmap(mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(bitmapBytes(mask.length));
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[i >>> 3] = (out[i >>> 3] as number) | (1 << (i & 7));
  return out;
}

/** Inverse of `packBitmap` for n values; refuses set padding bits (a damaged file). */
export function unpackBitmap(bytes: Uint8Array, n: number): Uint8Array {
  if (bytes.length !== bitmapBytes(n))
    throw new Error(`a bitmap of ${n} values needs ${bitmapBytes(n)} bytes, got ${bytes.length}`);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = ((bytes[i >>> 3] as number) >>> (i & 7)) & 1;
  if (n % 8 !== 0 && (bytes.at(-1) as number) >>> (n % 8) !== 0)
    throw new Error('the bitmap has bits set past its end');
  return mask;
}

/** The values of `dense` where `mask` is 1, in index order. */
export function gatherMasked(dense: ArrayLike<number>, mask: Uint8Array): Float32Array {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) out.push(dense[i] as number);
  return Float32Array.from(out);
}

/** A dense tensor of `mask.length` values: `values` in order where `mask` is 1, 0 elsewhere. */
export function scatterMasked(values: ArrayLike<number>, mask: Uint8Array): Float32Array {
  const out = new Float32Array(mask.length);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[i] = values[k++] as number;
  if (k !== values.length) throw new Error(`the bitmap has ${k} stored values, ${values.length} were given`);
  return out;
}
