import { z } from 'zod';

/**
 * The configuration dimensions every results export carries, each named by its path in the sweep spec, so an
 * analysis groups and plots by them without parsing labels (`df.groupby(['model.activation', 'quantize.bits'])`).
 * `teacher` is the id of the teacher run distilled from (null for a teacher); `model.activation` the short label
 * (`relu`, `lma-8`); `seed` is null for a configuration (its replicates' seeds are listed beside); layer lists are arrays in JSON and `;`-separated in CSV; a dimension a run does not have
 * (a teacher's `distill.*`, a float run's `quantize.*`, an MLP's `model.channels`) is null (an empty CSV field);
 * `quantize.noise` is a QAT run's Quant-Noise rate, 1 for plain QAT; `model.smh.fraction` the Structured
 * Multi-Hashing pool's fraction of an SMH model (null for dense kernels).
 */
export const CONFIG_DIMENSIONS = [
  'dataset.name',
  'model.family',
  'model.hidden',
  'model.channels',
  'model.activation',
  'model.smh.fraction',
  'distill.temperature',
  'distill.alpha',
  'train.optimizer.name',
  'train.optimizer.lr',
  'train.epochs',
  'train.batchSize',
  'quantize.method',
  'quantize.bits',
  'quantize.bucketSize',
  'quantize.keepFloat',
  'quantize.noise',
  'teacher',
  'seed',
] as const;
export type ConfigDimension = (typeof CONFIG_DIMENSIONS)[number];

const text = z.string().nullable();
const num = z.number().nullable();
const layers = z.array(z.int()).nullable();

export const ConfigDimensions = z
  .object({
    'dataset.name': z.string(),
    'model.family': z.string(),
    'model.hidden': layers,
    'model.channels': layers,
    'model.activation': text,
    'model.smh.fraction': num,
    'distill.temperature': num,
    'distill.alpha': num,
    'train.optimizer.name': text,
    'train.optimizer.lr': num,
    'train.epochs': num,
    'train.batchSize': num,
    'quantize.method': text,
    'quantize.bits': num,
    'quantize.bucketSize': num,
    'quantize.keepFloat': text,
    'quantize.noise': num,
    teacher: z.uuid().nullable(),
    seed: z.int().nullable(),
  } satisfies Record<ConfigDimension, z.ZodType>)
  .meta({ id: 'ConfigDimensions' })
  .describe(
    "The run's configuration by sweep-spec path (the CSV has one column per key, named by it); null where the run " +
      'has no such dimension. `teacher` is the teacher run distilled from.',
  );
export type ConfigDimensions = z.infer<typeof ConfigDimensions>;
