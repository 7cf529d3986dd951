import { z } from 'zod';
import { DEFAULT_KEEP_FLOAT, KeepFloat, normalizeKeepFloat } from './keep-float.ts';

export const QUANT_BITS = [2, 3, 4, 5, 6, 7, 8, 16] as const;
export type QuantBits = (typeof QUANT_BITS)[number];

export const DEFAULT_BUCKET_SIZE = 256;

export const QuantizeSpec = z.strictObject({
  /** ptq: quantize a trained student's weights; qat: quantized distillation (quantized forward pass). */
  method: z.enum(['ptq', 'qat']),
  /** Weight bit width; uniform min–max per bucket, 2^bits levels. */
  bits: z.literal(QUANT_BITS),
  /** Values per bucket sharing one scale and offset. @defaultValue 256 */
  bucketSize: z
    .int()
    .min(1)
    .max(1 << 20)
    .optional(),
  /** Which tensors stay float32 (see {@link KeepFloat}). @defaultValue 'all-but-kernels' */
  keepFloat: KeepFloat.optional(),
});
export type QuantizeSpec = z.infer<typeof QuantizeSpec>;

/** A quantization with every default resolved (as stored in a run's config). */
export const Quantization = z.strictObject({
  method: z.enum(['ptq', 'qat']),
  bits: z.literal(QUANT_BITS),
  bucketSize: z.int().min(1),
  keepFloat: KeepFloat,
});
export type Quantization = z.infer<typeof Quantization>;

export function resolveQuantization(q: QuantizeSpec): Quantization {
  return {
    method: q.method,
    bits: q.bits,
    bucketSize: q.bucketSize ?? DEFAULT_BUCKET_SIZE,
    keepFloat: normalizeKeepFloat(q.keepFloat ?? DEFAULT_KEEP_FLOAT),
  };
}
