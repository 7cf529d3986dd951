import { z } from 'zod';
import { DEFAULT_KEEP_FLOAT, KeepFloat, normalizeKeepFloat } from './keep-float.ts';

export const QUANT_BITS = [2, 3, 4, 5, 6, 7, 8, 16] as const;
export type QuantBits = (typeof QUANT_BITS)[number];

export const DEFAULT_BUCKET_SIZE = 256;

/** Quant-Noise's default rate: every weight quantized every step, plain QAT. */
export const DEFAULT_QUANT_NOISE = 1;

export const QuantNoise = z
  .number()
  .min(0)
  .max(1)
  .describe(
    'Quant-Noise: the probability that a weight is quantized in a training step (1 = plain QAT, 0 = float training).',
  );

export const QuantizeSpec = z
  .strictObject({
    method: z
      .enum(['ptq', 'qat'])
      .describe("ptq: quantize a trained student's weights; qat: quantized distillation (quantized forward pass)."),
    bits: z.literal(QUANT_BITS).describe('Weight bit width; uniform min–max per bucket, 2^bits levels.'),
    bucketSize: z
      .int()
      .min(1)
      .max(1 << 20)
      .optional()
      .describe('Values per bucket sharing one scale and offset. Default: 256'),
    // KeepFloat describes itself, its default included.
    keepFloat: KeepFloat.optional(),
    noise: QuantNoise.optional().describe(
      "Quant-Noise (qat only): the probability that a weight is quantized in a training step's forward " +
        'pass; the others stay full precision, and gradients pass straight through to all. 1 is plain QAT, 0 ' +
        'trains in float (the result is still quantized once at the end). Default: 1',
    ),
  })
  .superRefine((q, ctx) => {
    if (q.noise !== undefined && q.method !== 'qat') {
      ctx.addIssue({
        code: 'custom',
        path: ['noise'],
        message: `noise applies to method qat (quantization in training), not ${q.method}, which does not train`,
      });
    }
  });
export type QuantizeSpec = z.infer<typeof QuantizeSpec>;

/** A quantization with every default resolved (as stored in a run's config). */
export const Quantization = z.strictObject({
  method: z.enum(['ptq', 'qat']).describe('ptq: quantize the trained student; qat: train with quantized weights.'),
  bits: z.literal(QUANT_BITS).describe('Bits per quantized weight.'),
  bucketSize: z.int().min(1).describe('Weights per quantization bucket (each with its own scale).'),
  keepFloat: KeepFloat,
  noise: QuantNoise.optional().describe(
    "Quant-Noise rate of a qat run, present only when below 1: plain QAT's configuration (and hash) has no " +
      'noise member, so runs stored before Quant-Noise keep their identity.',
  ),
});
export type Quantization = z.infer<typeof Quantization>;

/** The Quant-Noise rate a quantization trains with (1 when it has none). */
export function quantNoise(q: Pick<Quantization, 'noise'>): number {
  return q.noise ?? DEFAULT_QUANT_NOISE;
}

export function resolveQuantization(q: QuantizeSpec): Quantization {
  return {
    method: q.method,
    bits: q.bits,
    bucketSize: q.bucketSize ?? DEFAULT_BUCKET_SIZE,
    keepFloat: normalizeKeepFloat(q.keepFloat ?? DEFAULT_KEEP_FLOAT),
    ...(q.noise !== undefined && q.noise !== DEFAULT_QUANT_NOISE ? { noise: q.noise } : {}),
  };
}
