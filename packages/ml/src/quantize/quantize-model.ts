import type { QuantizedLayout } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { gatherMasked, scatterMasked } from '../prune/bitmap-pack.ts';
import { dequantizeBuckets, type QuantizedTensor, quantizeBuckets } from './bucket-quantize.ts';
import { dequantizePq, type PqTensor } from './pq-tensor.ts';
import type { PqTraining } from './pq-training.ts';

/**
 * Quantizes the weights at `indices` (positions in `model.weights`, as `quantizedTensorIndices` selects them)
 * in place: each is replaced by its dequantized values, and the codes are returned for packing. A pruned weight
 * (in `masks`, 1 = kept) has only its kept values quantized — bucketed in index order — and its pruned ones
 * stay exactly 0.
 */
export function quantizeModelWeights(
  model: tf.LayersModel,
  indices: Iterable<number>,
  layout: Pick<QuantizedLayout, 'bits' | 'bucketSize'>,
  masks: ReadonlyMap<number, Uint8Array> = new Map(),
): Map<number, QuantizedTensor> {
  const out = new Map<number, QuantizedTensor>();
  const weights = model.weights;
  for (const i of indices) {
    const w = weights[i];
    if (!w) throw new Error(`the model has no weight #${i}`);
    const mask = masks.get(i);
    const dense = w.read().dataSync() as Float32Array;
    const q = quantizeBuckets(mask ? gatherMasked(dense, mask) : dense, layout.bits, layout.bucketSize);
    const values = mask ? scatterMasked(dequantizeBuckets(q), mask) : dequantizeBuckets(q);
    tf.tidy(() => {
      w.write(tf.tensor(values, w.shape as number[], 'float32'));
    });
    out.set(i, q);
  }
  return out;
}

/**
 * Product-quantizes the kernels `pq` trains, in place: each is replaced by its decoded codebook (float16
 * centroids indexed by its assignments — k-means runs here if fine-tuning never began), and the PQ tensors are
 * returned for packing, by position in `model.weights`.
 */
export function pqQuantizeModelWeights(model: tf.LayersModel, pq: PqTraining): Map<number, PqTensor> {
  const weights = model.weights;
  const read = (k: number) => {
    const w = weights[pq.settings.indices[k] as number];
    if (!w) throw new Error(`the model has no weight #${pq.settings.indices[k]}`);
    return w;
  };
  if (pq.assignments === null) pq.cluster((k) => read(k).read().dataSync());
  const out = new Map<number, PqTensor>();
  pq.settings.indices.forEach((i, k) => {
    const w = read(k);
    const t = pq.quantize(k, w.read().dataSync());
    tf.tidy(() => {
      w.write(tf.tensor(dequantizePq(t), w.shape as number[], 'float32'));
    });
    out.set(i, t);
  });
  return out;
}
