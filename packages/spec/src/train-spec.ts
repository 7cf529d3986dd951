import { z } from 'zod';

/** What `optimizer.weightDecayOn` may select (see there). */
export const WEIGHT_DECAY_SCOPES = ['kernels', 'all'] as const;
export type WeightDecayScope = (typeof WEIGHT_DECAY_SCOPES)[number];

export const OptimizerSpec = z.strictObject({
  name: z.enum(['sgd', 'adam']),
  /** Learning rate. */
  lr: z.number().gt(0).max(10),
  /** SGD momentum (ignored by Adam). @defaultValue 0 */
  momentum: z.number().min(0).lt(1).optional(),
  /** L2 weight decay added to the gradient of the tensors `weightDecayOn` selects. @defaultValue 0 */
  weightDecay: z.number().min(0).max(1).optional(),
  /**
   * Which tensors weight decay applies to. 'kernels': dense and conv kernels only. 'all': every trainable
   * tensor — biases, BatchNorm's γ/β and the activations' parameters too — as the official LMA code (PyTorch's
   * SGD over all parameters) does; LMA's slopes decay towards their ReLU-like start, since that code stores them
   * as an offset from it. @defaultValue 'kernels'
   */
  weightDecayOn: z
    .enum(WEIGHT_DECAY_SCOPES)
    .optional()
    .describe("Tensors weight decay applies to: 'kernels' (default) or 'all' (the official LMA code's)."),
});
export type OptimizerSpec = z.infer<typeof OptimizerSpec>;

export const ScheduleSpec = z.discriminatedUnion('name', [
  z.strictObject({ name: z.literal('constant') }),
  z.strictObject({
    name: z.literal('step'),
    /** Epochs between decays. @defaultValue 10 */
    every: z.int().min(1).optional(),
    /** Multiplier at each decay. @defaultValue 0.1 */
    gamma: z.number().gt(0).max(1).optional(),
  }),
  z.strictObject({
    name: z.literal('plateau'),
    /** Epochs without validation improvement before the rate is multiplied by `factor`. @defaultValue 2 */
    patience: z.int().min(0).optional(),
    /** @defaultValue 0.5 (the paper halves the rate on plateau) */
    factor: z.number().gt(0).lt(1).optional(),
  }),
  z.strictObject({
    name: z.literal('cosine'),
    /** Final learning rate as a fraction of the initial one. @defaultValue 0 */
    minFactor: z.number().min(0).max(1).optional(),
  }),
]);
export type ScheduleSpec = z.infer<typeof ScheduleSpec>;

export const TrainSpec = z.strictObject({
  epochs: z.int().min(1).max(1000),
  batchSize: z.int().min(1).max(65_536),
  optimizer: OptimizerSpec,
  /** @defaultValue { name: constant } */
  schedule: ScheduleSpec.optional(),
});
export type TrainSpec = z.infer<typeof TrainSpec>;

export const DistillSpec = z.strictObject({
  /** Softmax temperature T of the KD loss. */
  temperature: z.number().gt(0).max(100),
  /** Weight α of the distillation term; 0 is plain cross-entropy. */
  alpha: z.number().min(0).max(1),
});
export type DistillSpec = z.infer<typeof DistillSpec>;

/** The paper's image setting (LMA.md): T = 2, α = 0.7. */
export const DEFAULT_DISTILL: DistillSpec = { temperature: 2, alpha: 0.7 };
