import { SizeBreakdown } from '@distillery/spec';
import { z } from 'zod';

/**
 * Size computed from the model spec before any training: the packed weights' bytes split into codes, bucket
 * headers and float tensors, and the fraction of values quantized (the measured result carries the same split).
 */
export const PredictedSize = SizeBreakdown.extend({
  /** Stored values (trainable and not). */
  parameters: z.int(),
  /** Bits per weight: 32 unless quantized. */
  bits: z.int(),
});
export type PredictedSize = z.infer<typeof PredictedSize>;
