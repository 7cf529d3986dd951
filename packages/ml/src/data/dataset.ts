/**
 * Glossary.
 * - Dataset: a whole data set in memory, as loaded once per process: uint8 pixels (HWC order, one row per
 *   sample) and integer labels for a train and a test split. Pixels are scaled to [0, 1] when batched. Sets of
 *   real-valued features (a float `.npy`, a CSV) hold float32 values already scaled to [0, 1] (see
 *   `scaleFeatures`) and are batched as they are.
 * - RunData: the rows one run uses — the train split after `limit` and the validation hold-out, the held-out
 *   validation rows, and the (limited) test split — as index lists into the Dataset.
 */
export interface DatasetSplit {
  /** count × features values: pixels 0–255 (Uint8Array), or features already scaled to [0, 1] (Float32Array). */
  images: Uint8Array | Float32Array;
  /** count labels in [0, classes). */
  labels: Uint8Array | Int32Array;
  count: number;
}

export interface Dataset {
  name: string;
  /** [height, width, channels] */
  shape: [number, number, number];
  classes: number;
  train: DatasetSplit;
  test: DatasetSplit;
  /** How the data were obtained and split (files, seeds, rows dropped), recorded with every model trained on it. */
  provenance: Record<string, unknown>;
}

export function featureCount(d: Pick<Dataset, 'shape'>): number {
  return d.shape[0] * d.shape[1] * d.shape[2];
}
