import { z } from 'zod';

/** The weight files of one manifest group, relative to model.json's folder. */
const WeightPath = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..') && !p.includes('\0'), {
    message: 'a weight path must be relative to model.json and must not climb out of its folder',
  });

const WeightEntry = z.looseObject({
  name: z.string().min(1).max(512),
  shape: z.array(z.int().min(0)).max(8),
  dtype: z.string().max(16).optional(),
});

/**
 * A TensorFlow.js layers model.json (`format: 'layers-model'`, as `model.save` and `tensorflowjs_converter`
 * write it): the topology, read loosely (only what Distillery checks), and the weights manifest.
 */
export const TfjsModelJson = z.looseObject({
  format: z.string().max(64).optional(),
  modelTopology: z.looseObject({}),
  weightsManifest: z
    .array(z.looseObject({ paths: z.array(WeightPath).max(4096), weights: z.array(WeightEntry).max(100_000) }))
    .max(4096),
});
export type TfjsModelJson = z.infer<typeof TfjsModelJson>;

const Dims = z.array(z.int().min(0).nullable()).max(8);

const LayerJson = z.looseObject({
  class_name: z.string(),
  name: z.string().optional(),
  config: z
    .looseObject({
      name: z.string().optional(),
      batch_input_shape: Dims.optional(),
      batch_shape: Dims.optional(),
      units: z.int().optional(),
    })
    .optional(),
});
type LayerJson = z.infer<typeof LayerJson>;

/** `[layer name, node index, tensor index]`, as functional models list their inputs and outputs. */
const NodeRef = z.tuple([z.string()], z.unknown());

const ModelConfig = z.looseObject({
  class_name: z.string(),
  config: z.union([
    z.looseObject({
      layers: z.array(LayerJson),
      input_layers: z.array(NodeRef).optional(),
      output_layers: z.array(NodeRef).optional(),
    }),
    // Keras 1/2.0 wrote a Sequential's config as the bare list of layers.
    z.array(LayerJson),
  ]),
});

/** What the topology says about the model's interface; null where it does not say. */
export interface TopologyFacts {
  /** Batch input shape, e.g. `[null, 784]` or `[null, 28, 28, 1]`. */
  inputShape: (number | null)[] | null;
  /** Units of the output layer (a Dense): the number of classes it predicts. */
  outputUnits: number | null;
}

/** Layers that keep their input's width: an output Dense may be followed by them. */
const SHAPE_KEEPING = new Set(['Activation', 'Softmax', 'Dropout', 'ReLU', 'LeakyReLU']);

/**
 * The input shape and output units of a layers model's topology (`modelTopology`, or its `model_config` as a
 * converted Keras file nests it), for Sequential and functional models; null for what cannot be told.
 */
export function topologyFacts(topology: unknown): TopologyFacts {
  const root = (topology as { model_config?: unknown })?.model_config ?? topology;
  const parsed = ModelConfig.safeParse(root);
  if (!parsed.success) return { inputShape: null, outputUnits: null };
  const config = parsed.data.config;
  const layers = Array.isArray(config) ? config : config.layers;
  const named = (ref: z.infer<typeof NodeRef> | undefined) =>
    ref === undefined ? undefined : layers.find((l) => (l.name ?? l.config?.name) === ref[0]);
  const shapeOf = (l: LayerJson | undefined) => l?.config?.batch_input_shape ?? l?.config?.batch_shape ?? null;
  if (!Array.isArray(config) && config.input_layers !== undefined) {
    const out = named(config.output_layers?.[0]);
    return { inputShape: shapeOf(named(config.input_layers[0])), outputUnits: out?.config?.units ?? null };
  }
  const first = layers.find((l) => shapeOf(l) !== null);
  let outputUnits: number | null = null;
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i] as LayerJson;
    if (l.config?.units !== undefined) {
      outputUnits = l.config.units;
      break;
    }
    if (!SHAPE_KEEPING.has(l.class_name)) break;
  }
  return { inputShape: shapeOf(first), outputUnits };
}
