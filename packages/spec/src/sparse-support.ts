import { type TensorInfo, tensorSize } from './model-tensors.ts';
import { prunedCount } from './prune-spec.ts';
import { isKernel } from './quantized-tensors.ts';

/**
 * What a pruned model's packed sparse tensors hold — the facts its size depends on beyond the configuration.
 * - bitmap (magnitude pruning, and any PTQ of a pruned student): each pruned tensor is a bitmap of n bits (1 =
 *   stored), padded to a whole byte, followed by its `nonzeros` values in index order — float32, or bucketed
 *   integer codes and headers when the tensor is quantized. By tensor position (in `model.weights`).
 * - surp: the pool's tensors (positions) are one SuRP stream of `streamBytes` bytes, decoding to `nonzeros`
 *   nonzero values (see `surpStreamBytes`).
 */
export type SparseSupport =
  | { layout: 'bitmap'; nonzeros: ReadonlyMap<number, number> }
  | { layout: 'surp'; pool: readonly number[]; nonzeros: number; streamBytes: number };

/** Bytes of a bitmap over n values. */
export function bitmapBytes(n: number): number {
  return Math.ceil(n / 8);
}

/** Positions of the tensors pruning acts on: the trainable weight matrices (dense and conv kernels). */
export function prunedTensorIndices(tensors: readonly TensorInfo[]): number[] {
  return tensors.flatMap((t, i) => (t.trainable && isKernel(t) ? [i] : []));
}

/**
 * The fixed part of a SuRP stream: its symbol count (uint32), Rice parameter (uint8), the seed of the shared
 * index generator (uint32) and the sum of the normalized magnitudes (float64), then one float32 norm per pool
 * tensor.
 */
export const SURP_HEADER_BYTES = 4 + 1 + 4 + 8;

/**
 * Bytes of a SuRP stream: the header and norms, the Rice-coded symbols (`symbolBits`, padded to a byte), then
 * one sign bit per nonzero (padded to a byte).
 */
export function surpStreamBytes(stream: { poolTensors: number; symbolBits: number; nonzeros: number }): number {
  return SURP_HEADER_BYTES + 4 * stream.poolTensors + Math.ceil(stream.symbolBits / 8) + Math.ceil(stream.nonzeros / 8);
}

/**
 * Nonzeros by pruned tensor when `sparsity` of them is pruned in total: the global count `n − prunedCount(n,
 * sparsity)` split in proportion to the tensors' sizes (largest remainders). Exact in total — which is all a
 * float pruned model's size depends on — and nominal per tensor (global pruning decides the split).
 */
export function nominalNonzeros(tensors: readonly TensorInfo[], sparsity: number): Map<number, number> {
  const pruned = prunedTensorIndices(tensors);
  const sizes = pruned.map((i) => tensorSize(tensors[i] as TensorInfo));
  const total = sizes.reduce((a, b) => a + b, 0);
  const keep = total - prunedCount(total, sparsity);
  const shares = sizes.map((n) => (total === 0 ? 0 : (keep * n) / total));
  const counts = shares.map(Math.floor);
  let left = keep - counts.reduce((a, b) => a + b, 0);
  const order = shares.map((s, k) => [s - Math.floor(s), k] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, k] of order) {
    if (left <= 0) break;
    counts[k] = (counts[k] as number) + 1;
    left--;
  }
  return new Map(pruned.map((i, k) => [i, counts[k] as number]));
}

/**
 * SuRP's size before it runs, an estimate: `nonzeros` as for magnitude pruning, each sent as one step coded in
 * about log₂(n/nonzeros) + 2 bits (SuRP's geometric index code), plus signs and header. The stream's real length
 * depends on the weights (how often an index is refined, how often the threshold is reset).
 */
export function estimatedSurpSupport(tensors: readonly TensorInfo[], sparsity: number): SparseSupport {
  const pool = prunedTensorIndices(tensors);
  const n = pool.reduce((s, i) => s + tensorSize(tensors[i] as TensorInfo), 0);
  const nonzeros = n - prunedCount(n, sparsity);
  const symbolBits = nonzeros === 0 ? 0 : Math.ceil(nonzeros * (Math.log2(n / nonzeros) + 2));
  return {
    layout: 'surp',
    pool,
    nonzeros,
    streamBytes: surpStreamBytes({ poolTensors: pool.length, symbolBits, nonzeros }),
  };
}
