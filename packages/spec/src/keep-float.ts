import { z } from 'zod';

/**
 * Which tensors of a model stay in float32 when it is quantized (weights only; moving statistics are never
 * quantized, whatever the rule):
 *
 * - `all-but-kernels` (the default): every weight matrix (dense kernel) and conv kernel is quantized; biases,
 *   BatchNorm γ/β and activation parameters (PReLU α, Swish β, APLU hinges, LMA α/β) stay float. Kernels hold
 *   almost all of a model's values, the rest is a few bytes per unit.
 * - `none`: every trainable tensor is quantized, biases and BatchNorm/activation parameters too.
 * - `first-last-layers`: the paper's convention at layer granularity — the first and last layers with a kernel
 *   (the first conv or dense layer and the classifier) keep their kernel and bias in float; every other layer
 *   as `all-but-kernels`.
 * - `first-last`: legacy, the meaning it had before layer-aware rules existed — the first and last trainable
 *   *tensors* stay float (in an MLP the first-layer kernel, most of the model; in a CNN the first conv kernel
 *   and the classifier's bias), every other trainable tensor is quantized. Kept so that stored runs keep their
 *   configuration and hash; new sweeps should use `first-last-layers`.
 * - `{ layers: [dense_1, …] }`: every trainable tensor of the named layers stays float (layer names as in the
 *   tensor names, `dense_1/kernel` → `dense_1`); every other layer as `all-but-kernels`.
 */
export const KEEP_FLOAT_RULES = ['all-but-kernels', 'none', 'first-last-layers', 'first-last'] as const;
export type KeepFloatRule = (typeof KEEP_FLOAT_RULES)[number];

/** @defaultValue 'all-but-kernels' */
export const DEFAULT_KEEP_FLOAT: KeepFloatRule = 'all-but-kernels';

/** A layer's name as it prefixes its tensors: `dense_1`, `conv2d_2`, `batch_normalization_1`, `lma_1`. */
export const LayerName = z
  .string()
  .regex(/^[a-z][a-z0-9]*(_[a-z0-9]+)*_[0-9]+$/, 'a layer name such as dense_1 or conv2d_2');

export const KeepFloatLayers = z
  .strictObject({
    layers: z
      .array(LayerName)
      .min(1)
      .max(256)
      .describe('Layers whose every trainable tensor stays float32, e.g. [dense_1]; other layers as all-but-kernels.'),
  })
  .describe('An explicit list of layers kept in float32.');
export type KeepFloatLayers = z.infer<typeof KeepFloatLayers>;

const KEEP_FLOAT_DESCRIPTION = [
  'Which tensors stay float32 when quantizing (moving statistics always do).',
  'all-but-kernels (default): every dense and conv kernel is quantized; biases, BatchNorm and activation parameters stay float.',
  'none: every trainable tensor is quantized.',
  "first-last-layers: the paper's convention — the first and last layers' kernels and biases stay float, the rest as all-but-kernels.",
  'first-last: legacy — the first and last trainable tensors stay float (in an MLP the first kernel, ~97% of the values).',
  '{ layers: [dense_1] }: the named layers stay float, the rest as all-but-kernels.',
].join(' ');

export const KeepFloat = z.union([z.enum(KEEP_FLOAT_RULES), KeepFloatLayers]).describe(KEEP_FLOAT_DESCRIPTION);
export type KeepFloat = z.infer<typeof KeepFloat>;

/**
 * The stored form of a rule: a layer list sorted and without repeats, so two spellings of one rule give one
 * configuration hash.
 */
export function normalizeKeepFloat(keepFloat: KeepFloat): KeepFloat {
  if (typeof keepFloat === 'string') return keepFloat;
  return { layers: [...new Set(keepFloat.layers)].sort() };
}

/** Short text for labels: `all-but-kernels`, `layers dense_1,dense_3`. */
export function keepFloatLabel(keepFloat: KeepFloat): string {
  return typeof keepFloat === 'string' ? keepFloat : `layers ${keepFloat.layers.join(',')}`;
}
