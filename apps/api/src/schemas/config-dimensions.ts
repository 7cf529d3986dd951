import { z } from 'zod';

/**
 * The configuration dimensions every results export carries, each named by its path in the sweep spec, so an
 * analysis groups and plots by them without parsing labels (`df.groupby(['model.activation', 'quantize.bits'])`).
 * `teacher` is the id of the teacher run distilled from (null for a teacher); `model.activation` the short label
 * (`relu`, `lma-8`); `seed` is null for a configuration (its replicates' seeds are listed beside); layer lists are arrays in JSON and `;`-separated in CSV; a dimension a run does not have
 * (a teacher's `distill.*`, a float run's `quantize.*`, an MLP's `model.channels`) is null (an empty CSV field);
 * `quantize.noise` is a QAT run's Quant-Noise rate (1 for plain QAT) or a pq run's proxy-noise rate;
 * `quantize.bits` of a pq run is the bits of one centroid assignment (log2 centroids), per block of
 * `quantize.blockSize` weights; `model.smh.fraction` the Structured Multi-Hashing pool's fraction of an SMH
 * model (null for dense kernels); `prune.*` the pruning of a prune run and of a PTQ of a pruned student (null for
 * runs that are not pruned), `prune.alpha` SuRP's α; `distill.method` kd or crembo, `distill.thresholds` and
 * `distill.loss` a CREMBO run's grid size and loss (null for KD, whose `distill.temperature`/`.alpha` CREMBO lacks);
 * `data.*` where the training inputs came from (`real`, or `synthetic` with its generator and sample count; a PTQ
 * variant's are its student's).
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
  'distill.method',
  'distill.thresholds',
  'distill.loss',
  'train.optimizer.name',
  'train.optimizer.lr',
  'train.epochs',
  'train.batchSize',
  'quantize.method',
  'quantize.bits',
  'quantize.bucketSize',
  'quantize.keepFloat',
  'quantize.noise',
  'quantize.blockSize',
  'quantize.centroids',
  'prune.method',
  'prune.sparsity',
  'prune.retrainEpochs',
  'prune.rounds',
  'prune.alpha',
  'data.source',
  'data.method',
  'data.samples',
  'teacher',
  'seed',
] as const;
export type ConfigDimension = (typeof CONFIG_DIMENSIONS)[number];

const text = z.string().nullable();
const num = z.number().nullable();
const layers = z.array(z.int()).nullable();

export const ConfigDimensions = z
  .object({
    'dataset.name': z.string().describe("The data set's name."),
    'model.family': z.string().describe('mlp, cnn or imported.'),
    'model.hidden': layers.describe("An MLP's hidden layer widths; null for a CNN."),
    'model.channels': layers.describe("A CNN's channels per block; null for an MLP."),
    'model.activation': text.describe("The activation's short label (`relu`, `lma-8`); null for an imported model."),
    'model.smh.fraction': num.describe('The Structured Multi-Hashing fraction; null for dense kernels.'),
    'distill.temperature': num.describe('The KD temperature T; null for a teacher and a CREMBO run.'),
    'distill.alpha': num.describe('The KD weight α of the soft targets; null for a teacher and a CREMBO run.'),
    'distill.method': text.describe('kd or crembo; null for a teacher.'),
    'distill.thresholds': num.describe("A CREMBO run's depth thresholds (grid points); null otherwise."),
    'distill.loss': text.describe("A CREMBO run's multi-label loss (bce or soft); null otherwise."),
    'train.optimizer.name': text.describe('sgd or adam; null for a run that does not train (PTQ, imported teacher).'),
    'train.optimizer.lr': num.describe('The initial learning rate; null without training.'),
    'train.epochs': num.describe('Epochs trained; null without training.'),
    'train.batchSize': num.describe('Rows per batch; null without training.'),
    'quantize.method': text.describe('ptq, qat or pq; null for a float run.'),
    'quantize.bits': num.describe(
      'Bits per quantized weight (for pq: per centroid assignment, log2 centroids); null for a float run.',
    ),
    'quantize.bucketSize': num.describe('Weights per quantization bucket; null for a float run.'),
    'quantize.keepFloat': text.describe('Which tensors stay float; null for a float run.'),
    'quantize.noise': num.describe(
      "Quant-Noise rate of a QAT run (1 for plain QAT) or a pq run's proxy noise; null without it.",
    ),
    'quantize.blockSize': num.describe("A pq run's weights per block; null otherwise."),
    'quantize.centroids': num.describe("A pq run's codebook entries per kernel; null otherwise."),
    'prune.method': text.describe('magnitude or surp for a pruned run (and a PTQ of one); null otherwise.'),
    'prune.sparsity': num.describe("The pruning's target fraction of zeros in the weight matrices; null unpruned."),
    'prune.retrainEpochs': num.describe('Retraining epochs after each pruning round; null unpruned.'),
    'prune.rounds': num.describe('Pruning rounds; null unpruned.'),
    'prune.alpha': num.describe("SuRP's threshold factor α; null for magnitude pruning and unpruned runs."),
    'data.source': z
      .string()
      .describe('What the run trained on: real (the training split) or synthetic (inputs made from the teacher).'),
    'data.method': text.describe("The synthetic data's generator: bns, gaussian or inception; null for real data."),
    'data.samples': num.describe('Synthetic inputs the run trained on; null for real data.'),
    teacher: z.uuid().nullable().describe('The teacher run distilled from; null for a teacher.'),
    seed: z
      .int()
      .nullable()
      .describe("The run's seed; null for a configuration (its replicates' seeds are listed beside it)."),
  } satisfies Record<ConfigDimension, z.ZodType>)
  .meta({ id: 'ConfigDimensions' })
  .describe(
    "The run's configuration by sweep-spec path (the CSV has one column per key, named by it); null where the run " +
      'has no such dimension. `teacher` is the teacher run distilled from.',
  );
export type ConfigDimensions = z.infer<typeof ConfigDimensions>;
