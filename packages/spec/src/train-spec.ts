import { z } from 'zod';
import { CremboDistillSpec, resolveCrembo } from './crembo-spec.ts';

/** What `optimizer.weightDecayOn` may select (see there). */
export const WEIGHT_DECAY_SCOPES = ['kernels', 'all'] as const;
export type WeightDecayScope = (typeof WEIGHT_DECAY_SCOPES)[number];

export const OptimizerSpec = z.strictObject({
  name: z.enum(['sgd', 'adam']).describe('The optimizer: sgd or adam.'),
  lr: z.number().gt(0).max(10).describe('Learning rate.'),
  momentum: z.number().min(0).lt(1).optional().describe('SGD momentum (ignored by Adam). Default: 0'),
  weightDecay: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe('L2 weight decay added to the gradient of the tensors `weightDecayOn` selects. Default: 0'),
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
  z.strictObject({ name: z.literal('constant').describe('constant: the learning rate never changes.') }),
  z.strictObject({
    name: z.literal('step').describe('step: multiplied by `gamma` every `every` epochs.'),
    every: z.int().min(1).optional().describe('Epochs between decays. Default: 10'),
    gamma: z.number().gt(0).max(1).optional().describe('Multiplier at each decay. Default: 0.1'),
  }),
  z.strictObject({
    name: z
      .literal('plateau')
      .describe('plateau: multiplied by `factor` after `patience` epochs without validation improvement.'),
    patience: z
      .int()
      .min(0)
      .optional()
      .describe('Epochs without validation improvement before the rate is multiplied by `factor`. Default: 2'),
    factor: z.number().gt(0).lt(1).optional().describe('Default: 0.5 (the paper halves the rate on plateau)'),
  }),
  z.strictObject({
    name: z.literal('cosine').describe('cosine: annealed to `minFactor` × the initial rate over the epochs.'),
    minFactor: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Final learning rate as a fraction of the initial one. Default: 0'),
  }),
]);
export type ScheduleSpec = z.infer<typeof ScheduleSpec>;

export const TrainSpec = z.strictObject({
  epochs: z.int().min(1).max(1000).describe('Passes over the training rows.'),
  batchSize: z.int().min(1).max(65_536).describe('Rows per training batch.'),
  optimizer: OptimizerSpec.describe('The optimizer and its settings.'),
  schedule: ScheduleSpec.optional().describe('Default: { name: constant }'),
});
export type TrainSpec = z.infer<typeof TrainSpec>;

/** Hinton et al.'s knowledge distillation: softened teacher probabilities, KL at temperature T, weight α. */
export const KdDistillSpec = z.strictObject({
  method: z
    .literal('kd')
    .optional()
    .describe('kd: the KD loss (the default; a run stores no method for it, so its hash is the one it always had).'),
  temperature: z.number().gt(0).max(100).describe('Softmax temperature T of the KD loss.'),
  alpha: z.number().min(0).max(1).describe('Weight α of the distillation term; 0 is plain cross-entropy.'),
});
export type KdDistillSpec = z.infer<typeof KdDistillSpec>;

/** How a student learns from its teacher: by `method`, kd (the default) or crembo. */
export const DistillSpec = z.discriminatedUnion('method', [KdDistillSpec, CremboDistillSpec]);
export type DistillSpec = z.infer<typeof DistillSpec>;

export const DISTILL_METHODS = ['kd', 'crembo'] as const;
export type DistillMethod = (typeof DISTILL_METHODS)[number];

/** The method of a distillation: `kd` where none is written. */
export function distillMethod(d: DistillSpec): DistillMethod {
  return d.method ?? 'kd';
}

/** The LMA paper's setting (Xu et al., AAAI 2020) for image tasks: T = 2, α = 0.7. */
export const DEFAULT_DISTILL: KdDistillSpec = { temperature: 2, alpha: 0.7 };

/**
 * A distillation as a run stores it: KD without a `method` key (configs written before CREMBO existed keep their
 * hashes, and `method: kd` spelled out hashes the same), CREMBO with its defaults written out.
 */
export function resolveDistill(d: DistillSpec): DistillSpec {
  if (d.method === 'crembo') return resolveCrembo(d);
  return { temperature: d.temperature, alpha: d.alpha };
}

/** The default distillation of a method: what a grid over `distill.method` starts from when it switches method. */
export function defaultDistill(method: DistillMethod): DistillSpec {
  return method === 'crembo' ? resolveCrembo({ method }) : DEFAULT_DISTILL;
}
