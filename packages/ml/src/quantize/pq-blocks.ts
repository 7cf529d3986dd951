import type { PqTensorLayout } from '@distillery/spec';

/**
 * A kernel's values as its PQ blocks (see PqTensorLayout): block j·(rows/blockSize) + b is rows
 * b·blockSize … (b+1)·blockSize − 1 of column j, at `out[block·blockSize …]`. The kernel is row-major
 * [rows, columns] (tfjs's layout with every dimension but the last folded into rows).
 */
export function kernelBlocks(values: ArrayLike<number>, l: PqTensorLayout): Float32Array {
  const out = new Float32Array(l.blocks * l.blockSize);
  const perColumn = l.rows / l.blockSize;
  for (let j = 0; j < l.columns; j++) {
    for (let b = 0; b < perColumn; b++) {
      const at = (j * perColumn + b) * l.blockSize;
      for (let r = 0; r < l.blockSize; r++) out[at + r] = values[(b * l.blockSize + r) * l.columns + j] as number;
    }
  }
  return out;
}

/** Inverse of kernelBlocks: block vectors back into the kernel's row-major values. */
export function blocksToKernel(blocks: ArrayLike<number>, l: PqTensorLayout): Float32Array {
  const out = new Float32Array(l.rows * l.columns);
  const perColumn = l.rows / l.blockSize;
  for (let j = 0; j < l.columns; j++) {
    for (let b = 0; b < perColumn; b++) {
      const at = (j * perColumn + b) * l.blockSize;
      for (let r = 0; r < l.blockSize; r++) out[(b * l.blockSize + r) * l.columns + j] = blocks[at + r] as number;
    }
  }
  return out;
}

/** The kernel whose every block is its centroid: `centroids` (k × blockSize) indexed by `assignments`. */
export function decodePq(
  centroids: ArrayLike<number>,
  assignments: ArrayLike<number>,
  l: PqTensorLayout,
): Float32Array {
  const blocks = new Float32Array(l.blocks * l.blockSize);
  for (let i = 0; i < l.blocks; i++) {
    const c = assignments[i] as number;
    for (let r = 0; r < l.blockSize; r++) blocks[i * l.blockSize + r] = centroids[c * l.blockSize + r] as number;
  }
  return blocksToKernel(blocks, l);
}

/**
 * Per centroid, the mean of the blocks assigned to it (k × blockSize; 0 for an empty one). Applied to weights it
 * gives the codebook; applied to the gradient of the loss w.r.t. the decoded kernel it gives each centroid's
 * gradient averaged over its blocks (the summed gradient autodiff gives, divided by the cluster's size, as
 * fairseq's PQ layers do).
 */
export function clusterMeans(
  values: ArrayLike<number>,
  assignments: ArrayLike<number>,
  centroids: number,
  l: PqTensorLayout,
): Float64Array {
  const blocks = kernelBlocks(values, l);
  const sums = new Float64Array(centroids * l.blockSize);
  const counts = new Int32Array(centroids);
  for (let i = 0; i < l.blocks; i++) {
    const c = assignments[i] as number;
    counts[c] = (counts[c] as number) + 1;
    for (let r = 0; r < l.blockSize; r++) {
      sums[c * l.blockSize + r] = (sums[c * l.blockSize + r] as number) + (blocks[i * l.blockSize + r] as number);
    }
  }
  for (let c = 0; c < centroids; c++) {
    const m = counts[c] as number;
    if (m > 0)
      for (let r = 0; r < l.blockSize; r++) sums[c * l.blockSize + r] = (sums[c * l.blockSize + r] as number) / m;
  }
  return sums;
}
