import { fakeQuantize } from '../quantize/bucket-quantize.ts';
import { quantNoiseRandom, quantNoiseValues } from '../quantize/quant-noise.ts';
import type { QatSettings } from './train-model.ts';

/**
 * The values a QAT step computes with for the trainable tensor `tensor` (a position in `qat.indices`' terms),
 * given its full-precision `values` before optimizer step `steps`: all fake-quantized (plain QAT), a random part
 * of them (Quant-Noise, seeded by run, step and tensor), or null with noise rate 0 (nothing quantized).
 */
export function qatForwardValues(
  values: Float32Array,
  qat: QatSettings,
  steps: number,
  tensor: number,
): Float32Array | null {
  const noise = qat.noise ?? { rate: 1, seed: 0 };
  if (noise.rate === 0) return null;
  if (noise.rate === 1) return fakeQuantize(values, qat.bits, qat.bucketSize);
  return quantNoiseValues(values, qat.bits, qat.bucketSize, noise.rate, quantNoiseRandom(noise.seed, steps, tensor));
}
