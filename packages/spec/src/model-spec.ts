import { z } from 'zod';
import { ActivationSpec } from './activation-spec.ts';
import { SmhSpec } from './smh-spec.ts';

const Units = z.int().min(1).max(65_536);

export const MlpSpec = z.strictObject({
  family: z.literal('mlp'),
  /** Hidden layer widths, input to output; the output layer (one unit per class) is implied. */
  hidden: z.array(Units).min(1).max(64),
  activation: ActivationSpec,
  /** dense → BatchNorm → activation, the placement LMA.md prescribes. @defaultValue false */
  batchNorm: z.boolean().optional(),
  /** Every kernel a slice of one shared pool (Structured Multi-Hashing); absent: dense kernels. */
  smh: SmhSpec.optional(),
});
export type MlpSpec = z.infer<typeof MlpSpec>;

export const CnnSpec = z.strictObject({
  family: z.literal('cnn'),
  /** Output channels of each conv block; every block ends in a 2×2 max-pool. */
  channels: z.array(Units).min(1).max(32),
  /** Convolutions per block, each with the block's width. @defaultValue 1 */
  convsPerBlock: z.int().min(1).max(8).optional(),
  /** Hidden dense widths after the conv stack; the output layer is implied. */
  dense: z.array(Units).max(16),
  /** Square kernel side, 'same' padding, stride 1. @defaultValue 3 */
  kernel: z.int().min(1).max(15).optional(),
  activation: ActivationSpec,
  /** conv/dense → BatchNorm → activation. @defaultValue false */
  batchNorm: z.boolean().optional(),
  /** Every conv and dense kernel a slice of one shared pool (Structured Multi-Hashing); absent: dense kernels. */
  smh: SmhSpec.optional(),
});
export type CnnSpec = z.infer<typeof CnnSpec>;

export const ModelSpec = z.discriminatedUnion('family', [MlpSpec, CnnSpec]);
export type ModelSpec = z.infer<typeof ModelSpec>;

export const DEFAULT_KERNEL = 3;
export const DEFAULT_CONVS_PER_BLOCK = 1;
