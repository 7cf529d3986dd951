import { z } from 'zod';
import type { KeepFloat } from './keep-float.ts';
import { type TensorInfo, tensorSize } from './model-tensors.ts';
import { type PqLayout, pqAssignmentBytes, pqCodebookBytes, pqTensorIndices, pqTensorLayout } from './pq-layout.ts';
import { quantizedTensorIndices } from './quantized-tensors.ts';
import { bitmapBytes, type SparseSupport } from './sparse-support.ts';

/** Bytes of one bucket's scale and offset (two float32). */
export const BUCKET_HEADER_BYTES = 8;

/** Uniform min–max quantization per bucket (ptq and qat). */
export interface QuantizedLayout {
  method?: 'ptq' | 'qat';
  bits: number;
  bucketSize: number;
  keepFloat: KeepFloat;
}

/** How a model's weights are stored: uniform codes per bucket, or product quantization (see PqLayout). */
export type SizeLayout = QuantizedLayout | PqLayout;

/**
 * What a model's packed weights consist of. `bytes = codeBytes + headerBytes + floatBytes + indexBytes`; a float
 * model has
 * only `floatBytes`. The same shape is predicted from the spec before training and measured on the packed
 * artifact after it.
 */
export const SizeBreakdown = z.strictObject({
  /** Bytes of the weight payload (weights.bin): codes + bucket headers + float tensors + sparse indices. */
  bytes: z.int().min(0).describe('Bytes of the packed weights: codeBytes + headerBytes + floatBytes + indexBytes.'),
  /**
   * Packed integer codes of the quantized tensors (`bits` per value, each tensor padded to a whole byte); for
   * product quantization, the centroid assignments (log2 centroids bits per block).
   */
  codeBytes: z
    .int()
    .min(0)
    .describe('Packed integer codes of the quantized tensors (for pq: the centroid assignments, one per block).'),
  /** Per-bucket scale and offset (2 × float32) of the quantized tensors; for product quantization the codebooks. */
  headerBytes: z
    .int()
    .min(0)
    .describe(
      'Side information of the quantized tensors: per-bucket scale and offset (8 bytes a bucket), or for pq the ' +
        'codebooks (centroids × blockSize float16 values per tensor).',
    ),
  /** Tensors kept in float32 (4 bytes a value): biases, BatchNorm, activation parameters, moving statistics… */
  floatBytes: z.int().min(0).describe('Tensors stored as float32, 4 bytes a value.'),
  /** Values stored as codes. */
  quantizedValues: z.int().min(0).describe('Values stored as integer codes.'),
  /**
   * Where a pruned model's nonzeros are: one bit per value of each pruned tensor (bitmap layout), or SuRP's coded
   * stream (its header, coded indices, signs and norms). 0 for a model that is not pruned (and for results
   * recorded before pruning existed).
   */
  indexBytes: z
    .int()
    .min(0)
    .default(0)
    .describe("Bitmaps of the pruned tensors' nonzeros, or SuRP's coded stream (0 unless pruned)."),
  /** Values of the pruned tensors that are 0 and not stored. */
  prunedValues: z.int().min(0).default(0).describe('Values pruned to 0 and not stored (0 unless pruned).'),
  /** quantizedValues / every stored value (trainable and not); 0 for a float model. */
  quantizedFraction: z
    .number()
    .min(0)
    .max(1)
    .describe('quantizedValues / every stored value, trainable and not (0 for a float model).'),
});
export type SizeBreakdown = z.infer<typeof SizeBreakdown>;

/** Bytes of the integer codes of n values at `bits` per value: one bit stream, padded to a whole byte. */
export function codeBytes(n: number, bits: number): number {
  return Math.ceil((n * bits) / 8);
}

/** Bytes of the scale+offset headers of n values in buckets of `bucketSize`. */
export function bucketHeaderBytes(n: number, bucketSize: number): number {
  return Math.ceil(n / bucketSize) * BUCKET_HEADER_BYTES;
}

/** Bytes of one tensor of n values packed at `bits` per value in buckets: codes, then a scale+offset per bucket. */
export function packedTensorBytes(n: number, bits: number, bucketSize: number): number {
  return codeBytes(n, bits) + bucketHeaderBytes(n, bucketSize);
}

/**
 * Size of the model's weights: float32 for every tensor, or — with a layout — packed integer codes plus
 * per-bucket scale/offset for the tensors `quantizedTensorIndices` chooses. With a sparse support (a pruned
 * model), its pruned tensors are stored sparse instead: a bitmap of the nonzeros followed by the nonzero values
 * (float32, or codes and headers when quantized), or all of them in SuRP's coded stream. This is the size of the
 * packed weight payload that packages/ml writes (topology JSON excluded), so the prediction can be checked
 * against the artifact. A product-quantization layout stores the kernels `pqTensorIndices` chooses as assignments
 * plus codebook (its runs are never pruned: a pq tensor is counted dense).
 */
export function modelSize(tensors: readonly TensorInfo[], layout?: SizeLayout, sparse?: SparseSupport): SizeBreakdown {
  const quantized = !layout
    ? new Set<number>()
    : layout.method === 'pq'
      ? pqTensorIndices(tensors, layout)
      : quantizedTensorIndices(tensors, layout.keepFloat);
  const size = { bytes: 0, codeBytes: 0, headerBytes: 0, floatBytes: 0, quantizedValues: 0 };
  let indexBytes = 0;
  let prunedValues = 0;
  let values = 0;
  const surpPool = new Set(sparse?.layout === 'surp' ? sparse.pool : []);
  if (sparse?.layout === 'surp') {
    indexBytes += sparse.streamBytes;
    const poolValues = sparse.pool.reduce((n, i) => n + tensorSize(tensors[i] as TensorInfo), 0);
    prunedValues += poolValues - sparse.nonzeros;
  }
  tensors.forEach((t, i) => {
    const n = tensorSize(t);
    values += n;
    if (surpPool.has(i)) return;
    if (layout?.method === 'pq' && quantized.has(i)) {
      const l = pqTensorLayout(t.shape, layout.blockSize, layout.centroids);
      size.codeBytes += pqAssignmentBytes(l);
      size.headerBytes += pqCodebookBytes(l);
      size.quantizedValues += n;
      return;
    }
    const nonzeros = sparse?.layout === 'bitmap' ? sparse.nonzeros.get(i) : undefined;
    const stored = nonzeros ?? n;
    if (nonzeros !== undefined) {
      indexBytes += bitmapBytes(n);
      prunedValues += n - nonzeros;
    }
    if (layout && layout.method !== 'pq' && quantized.has(i)) {
      size.codeBytes += codeBytes(stored, layout.bits);
      size.headerBytes += bucketHeaderBytes(stored, layout.bucketSize);
      size.quantizedValues += stored;
    } else {
      size.floatBytes += stored * 4;
    }
  });
  size.bytes = size.codeBytes + size.headerBytes + size.floatBytes + indexBytes;
  return {
    ...size,
    quantizedFraction: values === 0 ? 0 : size.quantizedValues / values,
    indexBytes,
    prunedValues,
  };
}

/** `modelSize(…).bytes`. */
export function modelBytes(tensors: readonly TensorInfo[], layout?: SizeLayout, sparse?: SparseSupport): number {
  return modelSize(tensors, layout, sparse).bytes;
}

/** `97%` of values quantized, for labels and tables (rounded down above 99, so 99.6% does not read as all). */
export function quantizedPercent(fraction: number): string {
  const pct = fraction * 100;
  if (pct > 99 && pct < 100) return `${Math.floor(pct * 10) / 10}%`;
  if (pct > 0 && pct < 1) return `${Math.max(0.1, Math.round(pct * 10) / 10)}%`;
  return `${Math.round(pct)}%`;
}
