import { z } from 'zod';
import { ActivationSpec } from './activation-spec.ts';
import { SmhSpec } from './smh-spec.ts';

const Units = z.int().min(1).max(65_536);

export const MlpSpec = z.strictObject({
  family: z.literal('mlp').describe('mlp: fully connected layers.'),
  hidden: z
    .array(Units)
    .min(1)
    .max(64)
    .describe('Hidden layer widths, input to output; the output layer (one unit per class) is implied.'),
  activation: ActivationSpec.describe('The activation between layers.'),
  batchNorm: z
    .boolean()
    .optional()
    .describe('dense → BatchNorm → activation, the placement the LMA paper uses. Default: false'),
  smh: SmhSpec.optional().describe(
    'Every kernel a slice of one shared pool (Structured Multi-Hashing); absent: dense kernels.',
  ),
});
export type MlpSpec = z.infer<typeof MlpSpec>;

export const CnnSpec = z.strictObject({
  family: z.literal('cnn').describe('cnn: convolution blocks, then dense layers.'),
  channels: z
    .array(Units)
    .min(1)
    .max(32)
    .describe('Output channels of each conv block; every block ends in a 2×2 max-pool.'),
  convsPerBlock: z
    .int()
    .min(1)
    .max(8)
    .optional()
    .describe("Convolutions per block, each with the block's width. Default: 1"),
  dense: z.array(Units).max(16).describe('Hidden dense widths after the conv stack; the output layer is implied.'),
  kernel: z.int().min(1).max(15).optional().describe("Square kernel side, 'same' padding, stride 1. Default: 3"),
  activation: ActivationSpec.describe('The activation between layers.'),
  batchNorm: z.boolean().optional().describe('conv/dense → BatchNorm → activation. Default: false'),
  smh: SmhSpec.optional().describe(
    'Every conv and dense kernel a slice of one shared pool (Structured Multi-Hashing); absent: dense kernels.',
  ),
});
export type CnnSpec = z.infer<typeof CnnSpec>;

export const ModelSpec = z.discriminatedUnion('family', [MlpSpec, CnnSpec]);
export type ModelSpec = z.infer<typeof ModelSpec>;

export const DEFAULT_KERNEL = 3;
export const DEFAULT_CONVS_PER_BLOCK = 1;
