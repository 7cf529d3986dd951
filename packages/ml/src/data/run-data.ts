import { canonicalJson, type DatasetSpec } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, mulberry32, permutation } from '../random/prng.ts';
import { type Dataset, type DatasetSplit, featureCount } from './dataset.ts';
import { splitDigest } from './split-digest.ts';

/** Rows of one split used by a run, as indices into the Dataset's split. */
export interface RowSet {
  split: DatasetSplit;
  indices: Int32Array;
}

export interface RunData {
  dataset: Dataset;
  train: RowSet;
  /** Empty when `validation` is 0. */
  validation: RowSet;
  test: RowSet;
  /** sha256 of exactly these rows (see `splitDigest`), stored with the run's result. */
  splitDigest: string;
}

/** What a run's artifact records of its rows: how many of each split, their digest, and where they came from. */
export function runDataFacts(data: RunData) {
  return {
    train: data.train.indices.length,
    validation: data.validation.indices.length,
    test: data.test.indices.length,
    splitDigest: data.splitDigest,
    provenance: data.dataset.provenance,
  };
}

/** Digests by data set and row selection: a sweep's runs share one split, hashed once. */
const digests = new WeakMap<Dataset, Map<string, string>>();

/**
 * The rows a run uses: the first `limit.train` training rows, of which a fraction `validation` is held out
 * (chosen by a seeded permutation), and the first `limit.test` test rows. The hold-out seed depends on the data
 * spec only, not on the run's seed, so a teacher and its students hold out the same rows.
 */
export function selectRunData(dataset: Dataset, spec: DatasetSpec): RunData {
  const nTrain = Math.min(dataset.train.count, spec.limit?.train ?? dataset.train.count);
  const nTest = Math.min(dataset.test.count, spec.limit?.test ?? dataset.test.count);
  const nVal = Math.round(nTrain * (spec.validation ?? 0));
  const { name, path, shape, classes, limit, validation, label } = spec;
  const seed = deriveSeed(0, 'validation', canonicalJson({ name, path, shape, classes, limit, validation, label }));
  const order = permutation(nTrain, mulberry32(seed));
  const heldOut = order.slice(0, nVal).sort();
  const kept = order.slice(nVal).sort();
  const testIndices = new Int32Array(nTest);
  for (let i = 0; i < nTest; i++) testIndices[i] = i;
  const train = { split: dataset.train, indices: kept };
  const held = { split: dataset.train, indices: heldOut };
  const test = { split: dataset.test, indices: testIndices };
  const byRows = digests.get(dataset) ?? new Map<string, string>();
  digests.set(dataset, byRows);
  const rowsKey = `${seed}:${nTrain}:${nVal}:${nTest}`;
  let digest = byRows.get(rowsKey);
  if (digest === undefined) {
    digest = splitDigest(dataset, [train, held, test]);
    byRows.set(rowsKey, digest);
  }
  return { dataset, train, validation: held, test, splitDigest: digest };
}

export interface Batch {
  /** [n, features] for MLPs, [n, h, w, c] for CNNs, pixels scaled to [0, 1] (float features as loaded). */
  x: tf.Tensor;
  /** Integer labels. */
  labels: Int32Array;
}

/** Rows `rows[from..to)` of a row set as a batch tensor (the caller disposes `x`). */
export function makeBatch(
  rows: RowSet,
  order: Int32Array,
  from: number,
  to: number,
  dataset: Pick<Dataset, 'shape'>,
  layout: 'flat' | 'image',
): Batch {
  const features = featureCount(dataset);
  const n = to - from;
  const x = new Float32Array(n * features);
  const labels = new Int32Array(n);
  const { images } = rows.split;
  // Pixels are scaled here; float features were scaled when loaded.
  const scale = images instanceof Uint8Array ? 1 / 255 : 1;
  for (let i = 0; i < n; i++) {
    const row = order[from + i] as number;
    const src = row * features;
    const dst = i * features;
    for (let f = 0; f < features; f++) x[dst + f] = (images[src + f] as number) * scale;
    labels[i] = rows.split.labels[row] as number;
  }
  const shape = layout === 'flat' ? [n, features] : [n, ...dataset.shape];
  return { x: tf.tensor(x, shape, 'float32'), labels };
}
