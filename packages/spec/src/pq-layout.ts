import { DEFAULT_KEEP_FLOAT, type KeepFloat } from './keep-float.ts';
import type { TensorInfo } from './model-tensors.ts';
import { isKernel, quantizedTensorIndices } from './quantized-tensors.ts';

/** Bytes of one centroid value: float16, as the Quant-Noise paper counts iPQ's codebooks. */
export const PQ_CENTROID_VALUE_BYTES = 2;

/** How a model's kernels are product-quantized (iPQ): blocks of `blockSize`, codebooks of `centroids`. */
export interface PqLayout {
  method: 'pq';
  blockSize: number;
  centroids: number;
  keepFloat: KeepFloat;
}

/**
 * The block structure of one product-quantized kernel. A kernel of shape [..., out] (dense [in, out], conv
 * [kh, kw, in, out]) is a matrix of `rows` = ∏ of all but the last dimension by `columns` = out; a block is
 * `blockSize` consecutive rows of one column (for a dense layer, consecutive input weights of one output unit;
 * for a conv, consecutive values of one filter in (kh, kw, in) order). Block b of column j covers rows
 * b·blockSize … (b+1)·blockSize − 1; blocks are numbered column by column: index j·(rows/blockSize) + b.
 */
export interface PqTensorLayout {
  rows: number;
  columns: number;
  blockSize: number;
  /** rows / blockSize · columns. */
  blocks: number;
  /** Codebook entries: the layout's `centroids`, or the number of blocks when there are fewer. */
  centroids: number;
  /** Bits of one assignment: ⌈log2 centroids⌉. */
  bits: number;
}

export function pqTensorLayout(shape: readonly number[], blockSize: number, centroids: number): PqTensorLayout {
  const columns = shape.at(-1) ?? 1;
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const blocks = (rows / blockSize) * columns;
  const k = Math.min(centroids, blocks);
  return { rows, columns, blockSize, blocks, centroids: k, bits: k <= 1 ? 0 : Math.ceil(Math.log2(k)) };
}

/** Whether `blockSize` cuts every column of a kernel of `shape` into whole blocks. */
export function pqDivides(shape: readonly number[], blockSize: number): boolean {
  return shape.length >= 2 && shape.slice(0, -1).reduce((a, b) => a * b, 1) % blockSize === 0;
}

/**
 * Indices (positions in `tensors`) of the tensors a PQ layout product-quantizes: the kernels `keepFloat` selects
 * (see quantizedTensorIndices; PQ never touches biases or other vectors) whose rows `blockSize` divides. The
 * others stay float32 — `pqKeptFloat` names the kernels left out by the block size. The one place that decides
 * it, for planned sizes and the packed artifact alike.
 */
export function pqTensorIndices(
  tensors: readonly TensorInfo[],
  layout: Pick<PqLayout, 'blockSize' | 'keepFloat'>,
): Set<number> {
  return new Set(
    [...quantizedTensorIndices(tensors, layout.keepFloat ?? DEFAULT_KEEP_FLOAT)].filter((i) => {
      const t = tensors[i] as TensorInfo;
      return isKernel(t) && pqDivides(t.shape, layout.blockSize);
    }),
  );
}

/** Kernels `keepFloat` selects that stay float32 because `blockSize` does not divide their rows. */
export function pqKeptFloat(
  tensors: readonly TensorInfo[],
  layout: Pick<PqLayout, 'blockSize' | 'keepFloat'>,
): string[] {
  const pq = pqTensorIndices(tensors, layout);
  return [...quantizedTensorIndices(tensors, layout.keepFloat)]
    .filter((i) => isKernel(tensors[i] as TensorInfo) && !pq.has(i))
    .map((i) => (tensors[i] as TensorInfo).name);
}

/** Bytes of one PQ tensor's assignments: one bit stream of `bits` per block, padded to a whole byte. */
export function pqAssignmentBytes(l: PqTensorLayout): number {
  return Math.ceil((l.blocks * l.bits) / 8);
}

/** Bytes of one PQ tensor's codebook: centroids × blockSize float16 values. */
export function pqCodebookBytes(l: PqTensorLayout): number {
  return l.centroids * l.blockSize * PQ_CENTROID_VALUE_BYTES;
}

/** Bytes of a packed PQ tensor: its assignments, then its codebook. */
export function pqTensorBytes(l: PqTensorLayout): number {
  return pqAssignmentBytes(l) + pqCodebookBytes(l);
}
