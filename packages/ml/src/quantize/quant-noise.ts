import { deriveSeed, Mulberry32 } from '../random/prng.ts';
import { fakeQuantize } from './bucket-quantize.ts';

/**
 * Quant-Noise (Fan et al., ICLR 2021) for scalar quantization: in a training step each weight (a block of one
 * value) is replaced by its quantized value with probability `rate`, independently; the others keep their
 * full-precision value. The quantizer's buckets are those of the whole tensor, as at evaluation. Used as
 * `w + stopgrad((q(w) − w)·mask)`: the forward pass sees the mixed weights, the gradient reaches every weight
 * unchanged (straight-through for the quantized ones, exact for the others). Rate 1 is plain QAT, 0 float
 * training.
 */
export function quantNoiseValues(
  values: ArrayLike<number>,
  bits: number,
  bucketSize: number,
  rate: number,
  random: () => number,
): Float32Array {
  if (!(rate >= 0 && rate <= 1)) throw new Error(`Quant-Noise rate must be in [0, 1], got ${rate}`);
  const quantized = fakeQuantize(values, bits, bucketSize);
  if (rate === 1) return quantized;
  const out = Float32Array.from(values);
  for (let i = 0; i < out.length; i++) if (random() < rate) out[i] = quantized[i] as number;
  return out;
}

/**
 * The mask stream of one tensor in one training step: derived from the run's seed, the optimizer's step count and
 * the tensor's position in `model.weights`, so a resumed run draws the same masks without storing generator state.
 */
export function quantNoiseRandom(seed: number, step: number, tensor: number): () => number {
  const generator = new Mulberry32(deriveSeed(seed, 'quant-noise', step, tensor));
  return () => generator.next();
}
