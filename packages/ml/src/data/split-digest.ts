import { createHash } from 'node:crypto';
import type { Dataset } from './dataset.ts';
import { featureCount } from './dataset.ts';

/** Rows of one split, as indices into it (the shape of RunData's row sets). */
interface Rows {
  split: { images: Uint8Array; labels: Uint8Array | Int32Array };
  indices: Int32Array;
}

/** Version tag of the digest's byte layout; a change of layout changes the tag. */
const DIGEST_FORMAT = 'distillery-split-v1';

/**
 * The split's digest: sha256 (hex) of the exact rows a run trains, validates and tests on. Layout: the text
 * `distillery-split-v1 <h>x<w>x<c> <classes>\n`, then for train, validation and test in that order the row
 * count (uint32, big-endian) and, row after row in the run's order, the row's pixels then its label (uint32,
 * big-endian). Two runs with the same digest saw the same data; a different `limit`, validation hold-out,
 * file or split gives a different one.
 */
export function splitDigest(dataset: Pick<Dataset, 'shape' | 'classes'>, parts: readonly Rows[]): string {
  const hash = createHash('sha256');
  hash.update(`${DIGEST_FORMAT} ${dataset.shape.join('x')} ${dataset.classes}\n`);
  const features = featureCount(dataset);
  const u32 = Buffer.alloc(4);
  for (const { split, indices } of parts) {
    u32.writeUInt32BE(indices.length);
    hash.update(u32);
    for (const row of indices) {
      hash.update(split.images.subarray(row * features, (row + 1) * features));
      u32.writeUInt32BE(split.labels[row] as number);
      hash.update(u32);
    }
  }
  return hash.digest('hex');
}
