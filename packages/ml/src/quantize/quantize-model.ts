import type { QuantizedLayout } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { dequantizeBuckets, type QuantizedTensor, quantizeBuckets } from './bucket-quantize.ts';

/**
 * Quantizes the weights at `indices` (positions in `model.weights`, as `quantizedTensorIndices` selects them)
 * in place: each is replaced by its dequantized values, and the codes are returned for packing.
 */
export function quantizeModelWeights(
  model: tf.LayersModel,
  indices: Iterable<number>,
  layout: Pick<QuantizedLayout, 'bits' | 'bucketSize'>,
): Map<number, QuantizedTensor> {
  const out = new Map<number, QuantizedTensor>();
  const weights = model.weights;
  for (const i of indices) {
    const w = weights[i];
    if (!w) throw new Error(`the model has no weight #${i}`);
    const q = quantizeBuckets(w.read().dataSync(), layout.bits, layout.bucketSize);
    tf.tidy(() => {
      w.write(tf.tensor(dequantizeBuckets(q), w.shape as number[], 'float32'));
    });
    out.set(i, q);
  }
  return out;
}
