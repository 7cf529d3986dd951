import { z } from 'zod';

/** Size computed from the model spec at expansion time, before any training. */
export const PredictedSize = z.object({
  /** Stored values (trainable and not). */
  parameters: z.int(),
  /** Bytes of the weights at `bits` (packed codes plus bucket headers when quantized). */
  bytes: z.int(),
  /** Bits per weight: 32 unless quantized. */
  bits: z.int(),
});
export type PredictedSize = z.infer<typeof PredictedSize>;
