import { SizeBreakdown } from '@distillery/spec';
import { z } from 'zod';

/**
 * Size computed from the model spec before any training: the packed weights' bytes split into codes, bucket
 * headers and float tensors, and the fraction of values quantized (the measured result carries the same split).
 */
export const PredictedSize = SizeBreakdown.extend({
  parameters: z.int().describe('Stored values (trainable and not).'),
  bits: z.int().describe('Bits per weight: 32 unless quantized.'),
  estimated: z
    .boolean()
    .describe(
      "false: exactly the bytes the run packs. true: an estimate, where the size depends on what the run finds (SuRP's coded stream; the per-tensor survivors of a quantized pruned student).",
    ),
});
export type PredictedSize = z.infer<typeof PredictedSize>;
