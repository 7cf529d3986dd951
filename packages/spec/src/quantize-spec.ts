import { z } from 'zod';
import { DEFAULT_KEEP_FLOAT, KeepFloat, normalizeKeepFloat } from './keep-float.ts';

export const QUANT_BITS = [2, 3, 4, 5, 6, 7, 8, 16] as const;

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

/** Uniform min–max quantization per bucket: after training (ptq) or in it (qat, with optional Quant-Noise). */
export const UniformQuantizeSpec = z
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
export type UniformQuantizeSpec = z.infer<typeof UniformQuantizeSpec>;

export const DEFAULT_PQ_BLOCK_SIZE = 8;
export const DEFAULT_PQ_CENTROIDS = 256;
export const DEFAULT_PQ_NOISE = 0.1;
export const DEFAULT_PQ_FINETUNE_EPOCHS = 1;
/** Codebook sizes: powers of two, so every assignment code is used (⌈log2 K⌉ = log2 K bits). */
export const PQ_CENTROIDS = [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536] as const;

const PqBlockSize = z.int().min(1).max(256);
const PqCentroids = z.literal(PQ_CENTROIDS);
const BLOCK_SIZE_TEXT = 'Weights per block: consecutive rows of one output column of a kernel.';
const CENTROIDS_TEXT = 'Codebook entries per kernel, a power of two (fewer when a kernel has fewer blocks).';
const FINETUNE_TEXT = 'Epochs, the last of train.epochs, that fine-tune the codebooks after k-means.';
/** Below 1: the proxy noise scales the kept blocks by 1/(1 − p). */
const PqNoise = z
  .number()
  .min(0)
  .lt(1)
  .describe('iPQ proxy noise: the probability that a block is dropped in a training step (kept blocks × 1/(1 − p)).');
const PqFinetuneEpochs = z.int().min(0).max(1000);
const PQ_KEEP_FLOAT_TEXT = 'Which kernels stay float32 (PQ quantizes kernels only).';

/**
 * iPQ (Stock et al.; Fan et al., ICLR 2021): product quantization of each kernel — blocks of `blockSize`
 * consecutive weights of one output unit, replaced by the nearest of `centroids` entries of a per-tensor
 * codebook learned by seeded k-means — trained first with the proxy noise (each block dropped with probability
 * `noise` per step, the others scaled by 1/(1 − noise)), then the codebooks are fine-tuned for the last
 * `finetuneEpochs` of `train.epochs`.
 */
export const PqQuantizeSpec = z.strictObject({
  method: z.literal('pq').describe('pq: iPQ, product quantization of the kernels, trained from the teacher.'),
  /** Weights per block (subvector). @defaultValue 8 */
  blockSize: PqBlockSize.optional().describe(`${BLOCK_SIZE_TEXT} Default: 8`),
  /** Codebook entries per tensor (a power of two; fewer when a tensor has fewer blocks). @defaultValue 256 */
  centroids: PqCentroids.optional().describe(`${CENTROIDS_TEXT} Default: 256`),
  /** Proxy-noise rate of the training before quantization, in [0, 1). @defaultValue 0.1 */
  noise: PqNoise.optional().describe('Proxy-noise rate of the training before quantization, in [0, 1). Default: 0.1'),
  /** Epochs (the last of `train.epochs`) that fine-tune the codebooks after k-means. @defaultValue 1 */
  finetuneEpochs: PqFinetuneEpochs.optional().describe(`${FINETUNE_TEXT} Default: 1`),
  /**
   * Which kernels stay float32 (see {@link KeepFloat}); PQ only ever quantizes kernels, and a kernel whose rows
   * `blockSize` does not divide stays float32 too. @defaultValue 'all-but-kernels'
   */
  keepFloat: KeepFloat.optional().describe(
    `${PQ_KEEP_FLOAT_TEXT} A kernel whose rows blockSize does not divide stays float32 too. Default: all-but-kernels`,
  ),
});
export type PqQuantizeSpec = z.infer<typeof PqQuantizeSpec>;

export const QuantizeSpec = z.discriminatedUnion('method', [UniformQuantizeSpec, PqQuantizeSpec]);
export type QuantizeSpec = z.infer<typeof QuantizeSpec>;

/** A uniform quantization with every default resolved (as stored in a run's config). */
export const UniformQuantization = z.strictObject({
  method: z.enum(['ptq', 'qat']).describe('ptq: quantize the trained student; qat: train with quantized weights.'),
  bits: z.literal(QUANT_BITS).describe('Bits per quantized weight.'),
  bucketSize: z.int().min(1).describe('Weights per quantization bucket (each with its own scale).'),
  keepFloat: KeepFloat,
  noise: QuantNoise.optional().describe(
    "Quant-Noise rate of a qat run, present only when below 1: plain QAT's configuration (and hash) has no " +
      'noise member, so runs stored before Quant-Noise keep their identity.',
  ),
});
export type UniformQuantization = z.infer<typeof UniformQuantization>;

/** A product quantization with every default resolved. */
export const PqQuantization = z.strictObject({
  method: z.literal('pq').describe('pq: iPQ, product quantization of the kernels.'),
  blockSize: PqBlockSize.describe(BLOCK_SIZE_TEXT),
  centroids: PqCentroids.describe(CENTROIDS_TEXT),
  noise: PqNoise,
  finetuneEpochs: PqFinetuneEpochs.describe(FINETUNE_TEXT),
  keepFloat: KeepFloat.describe(PQ_KEEP_FLOAT_TEXT),
});
export type PqQuantization = z.infer<typeof PqQuantization>;

export const Quantization = z.discriminatedUnion('method', [UniformQuantization, PqQuantization]);
export type Quantization = z.infer<typeof Quantization>;

/** The noise rate a quantization trains with: Quant-Noise's (1 when it has none) or iPQ's proxy noise. */
export function quantNoise(q: Pick<Quantization, 'noise'>): number {
  return q.noise ?? DEFAULT_QUANT_NOISE;
}

/**
 * Bits of one stored code: the bit width of a uniform quantization, the bits of one centroid assignment (one per
 * block of blockSize weights) of a product quantization.
 */
export function quantizationBits(q: Quantization): number {
  return q.method === 'pq' ? Math.log2(q.centroids) : q.bits;
}

/**
 * A quantization's short name, as labels, results and comparisons show it: `ptq 4-bit`, `qat 4-bit noise=0.1`,
 * `pq k=64 bs=8 noise=0.1` (with `finetune=N` when not the default). The keepFloat rule is not part of it.
 */
export function quantizationName(q: Quantization): string {
  if (q.method === 'pq') {
    const finetune = q.finetuneEpochs === DEFAULT_PQ_FINETUNE_EPOCHS ? '' : ` finetune=${q.finetuneEpochs}`;
    return `pq k=${q.centroids} bs=${q.blockSize} noise=${q.noise}${finetune}`;
  }
  return `${q.method} ${q.bits}-bit${q.noise === undefined ? '' : ` noise=${q.noise}`}`;
}

export function resolveQuantization(q: QuantizeSpec): Quantization {
  if (q.method === 'pq') {
    return {
      method: 'pq',
      blockSize: q.blockSize ?? DEFAULT_PQ_BLOCK_SIZE,
      centroids: q.centroids ?? DEFAULT_PQ_CENTROIDS,
      noise: q.noise ?? DEFAULT_PQ_NOISE,
      finetuneEpochs: q.finetuneEpochs ?? DEFAULT_PQ_FINETUNE_EPOCHS,
      keepFloat: normalizeKeepFloat(q.keepFloat ?? DEFAULT_KEEP_FLOAT),
    };
  }
  return {
    method: q.method,
    bits: q.bits,
    bucketSize: q.bucketSize ?? DEFAULT_BUCKET_SIZE,
    keepFloat: normalizeKeepFloat(q.keepFloat ?? DEFAULT_KEEP_FLOAT),
    ...(q.noise !== undefined && q.noise !== DEFAULT_QUANT_NOISE ? { noise: q.noise } : {}),
  };
}
