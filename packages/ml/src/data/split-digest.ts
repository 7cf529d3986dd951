import { createHash } from 'node:crypto';
import type { Dataset } from './dataset.ts';
import { featureCount } from './dataset.ts';

/** Rows of one split, as indices into it (the shape of RunData's row sets). */
interface Rows {
  split: { images: Uint8Array | Float32Array; labels: Uint8Array | Int32Array };
  indices: Int32Array;
}

/** Version tag of the digest's byte layout; a change of layout changes the tag. */
const DIGEST_FORMAT = 'distillery-split-v1';

/**
 * The split's digest: sha256 (hex) of the exact rows a run trains, validates and tests on. Layout: the text
 * `distillery-split-v1 <h>x<w>x<c> <classes>\n`, then for train, validation and test in that order the row
 * count (uint32, big-endian) and, row after row in the run's order, the row's pixels then its label (uint32,
 * big-endian). A set of float features (Float32Array rows) adds ` float32` to the header line and hashes each
 * row's values as little-endian float32. Two runs with the same digest saw the same data; a different `limit`,
 * validation hold-out, file or split gives a different one.
 */
export function splitDigest(dataset: Pick<Dataset, 'shape' | 'classes'>, parts: readonly Rows[]): string {
  const hash = createHash('sha256');
  const floats = parts.some((p) => p.split.images instanceof Float32Array);
  hash.update(`${DIGEST_FORMAT} ${dataset.shape.join('x')} ${dataset.classes}${floats ? ' float32' : ''}\n`);
  const features = featureCount(dataset);
  const u32 = Buffer.alloc(4);
  for (const { split, indices } of parts) {
    u32.writeUInt32BE(indices.length);
    hash.update(u32);
    for (const row of indices) {
      hash.update(rowBytes(split.images, row * features, (row + 1) * features));
      u32.writeUInt32BE(split.labels[row] as number);
      hash.update(u32);
    }
  }
  return hash.digest('hex');
}

/** The bytes of values [from, to): pixels as they are, floats little-endian. */
function rowBytes(values: Uint8Array | Float32Array, from: number, to: number): Uint8Array {
  if (values instanceof Uint8Array) return values.subarray(from, to);
  const out = Buffer.allocUnsafe((to - from) * 4);
  for (let i = from; i < to; i++) out.writeFloatLE(values[i] as number, (i - from) * 4);
  return out;
}
