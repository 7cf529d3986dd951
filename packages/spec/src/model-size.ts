import { type TensorInfo, tensorSize } from './model-tensors.ts';
import type { KeepFloat } from './quantize-spec.ts';

/** Bytes of one bucket's scale and offset (two float32). */
export const BUCKET_HEADER_BYTES = 8;

export interface QuantizedLayout {
  bits: number;
  bucketSize: number;
  keepFloat: KeepFloat;
}

/**
 * Indices of the tensors that are quantized: trainable ones, minus the first and last trainable tensor when
 * `keepFloat` is `first-last` (the convention of Polino et al.'s code, which LMA builds on). Moving statistics
 * are never quantized.
 */
export function quantizedTensorIndices(tensors: TensorInfo[], keepFloat: KeepFloat): Set<number> {
  const trainable = tensors.flatMap((t, i) => (t.trainable ? [i] : []));
  const chosen = keepFloat === 'first-last' ? trainable.slice(1, -1) : trainable;
  return new Set(chosen);
}

/** Bytes of one tensor of n values packed at `bits` per value in buckets: codes, then a scale+offset per bucket. */
export function packedTensorBytes(n: number, bits: number, bucketSize: number): number {
  return Math.ceil((n * bits) / 8) + Math.ceil(n / bucketSize) * BUCKET_HEADER_BYTES;
}

/**
 * Size in bytes of the model's weights: float32 for every tensor, or — with a layout — packed integer codes plus
 * per-bucket scale/offset for the quantized tensors. This is the size of the packed weight payload that
 * packages/ml writes (topology JSON excluded), so the prediction can be checked against the artifact.
 */
export function modelBytes(tensors: TensorInfo[], layout?: QuantizedLayout): number {
  const quantized = layout ? quantizedTensorIndices(tensors, layout.keepFloat) : new Set<number>();
  return tensors.reduce((bytes, t, i) => {
    const n = tensorSize(t);
    return bytes + (layout && quantized.has(i) ? packedTensorBytes(n, layout.bits, layout.bucketSize) : n * 4);
  }, 0);
}
