import type { DatasetSplit } from './dataset.ts';
import type { RowSet } from './run-data.ts';

/**
 * The most bytes of scaled rows kept per thread. A sweep's runs evaluate the same validation and test rows (and
 * its teachers predict on the same training rows), so those rows are scaled once and copied thereafter; 128 MiB
 * holds MNIST's or Fashion-MNIST's whole 10,000-row test set, its validation rows and a training split of
 * 30,000 rows.
 */
export const SCALED_ROWS_MAX_BYTES = 128 * 1024 * 1024;

/** Each live split's number (a split is one object for as long as its data set is cached). */
const splitIds = new WeakMap<DatasetSplit, number>();
let nextSplitId = 0;
/** Each row selection's fingerprint (a run's row sets are made once per run; the cache outlives them). */
const fingerprints = new WeakMap<Int32Array, string>();
/** Least recently used first; each with the indices it was made from, compared on a hit. */
const kept = new Map<string, { indices: Int32Array; values: Float32Array }>();
let keptBytes = 0;

function splitId(split: DatasetSplit): number {
  let id = splitIds.get(split);
  if (id === undefined) {
    id = nextSplitId++;
    splitIds.set(split, id);
  }
  return id;
}

/** The rows' length and a 32-bit FNV-1a of their indices: two selections of equal rows share one scaled copy. */
function fingerprint(indices: Int32Array): string {
  let value = fingerprints.get(indices);
  if (value === undefined) {
    let h = 0x811c9dc5;
    for (let i = 0; i < indices.length; i++) h = Math.imul(h ^ (indices[i] as number), 0x01000193) >>> 0;
    value = `${indices.length}:${h.toString(16)}`;
    fingerprints.set(indices, value);
  }
  return value;
}

/**
 * `rows`' features in their order as makeBatch scales them (pixels × 1/255 rounded to float32; float features as
 * they are), [rows × features], made once and kept while they fit in {@link SCALED_ROWS_MAX_BYTES}; null when
 * the row set alone is larger. Callers must not write to it.
 */
export function scaledRows(rows: RowSet, features: number): Float32Array | null {
  const bytes = rows.indices.length * features * 4;
  if (bytes > SCALED_ROWS_MAX_BYTES) return null;
  const key = `${splitId(rows.split)}:${features}:${fingerprint(rows.indices)}`;
  const hit = kept.get(key);
  if (hit && sameIndices(hit.indices, rows.indices)) {
    kept.delete(key);
    kept.set(key, hit);
    return hit.values;
  }
  const { images } = rows.split;
  const scale = images instanceof Uint8Array ? 1 / 255 : 1;
  const out = new Float32Array(rows.indices.length * features);
  for (let i = 0; i < rows.indices.length; i++) {
    const src = (rows.indices[i] as number) * features;
    const dst = i * features;
    for (let f = 0; f < features; f++) out[dst + f] = (images[src + f] as number) * scale;
  }
  if (hit) {
    kept.delete(key); // a fingerprint collision: the newer selection takes the entry
    keptBytes -= hit.values.byteLength;
  }
  kept.set(key, { indices: rows.indices.slice(), values: out });
  keptBytes += bytes;
  while (keptBytes > SCALED_ROWS_MAX_BYTES) {
    const [oldest, entry] = kept.entries().next().value as [string, { values: Float32Array }];
    kept.delete(oldest);
    keptBytes -= entry.values.byteLength;
  }
  return out;
}

function sameIndices(a: Int32Array, b: Int32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
