import {
  activationLabel,
  distillMethod,
  quantizationBits,
  quantNoise,
  type RunConfig,
  resolveCrembo,
  type SyntheticData,
} from '@distillery/spec';
import type { ConfigDimensions } from '../schemas/config-dimensions.ts';

/** The parts of a stored run config the dimensions read (queries may select just these). */
export type DimensionSource = Pick<RunConfig, 'model' | 'train' | 'distill' | 'quantize' | 'prune' | 'seed'> & {
  dataset: Pick<RunConfig['dataset'], 'name'>;
  /** Absent (or null, as a query selects it) for a run on real data; a synthesize run's own data. */
  data?: SyntheticData | null | undefined;
};

/**
 * A run's configuration dimensions (see ConfigDimensions), given the teacher run it was distilled from; `seed`
 * null for a configuration of replicates. A PTQ variant does not train: its `train.*` are its student's
 * (`studentTrain`), the training that produced the weights it quantizes.
 */
export function configDimensions(
  config: DimensionSource,
  teacher: string | null,
  seed: number | null = config.seed,
  studentTrain: RunConfig['train'] = null,
): ConfigDimensions {
  const { distill, quantize } = config;
  // A synthesize run builds no model (its results are left out of every results read; here for completeness).
  const model = config.model ?? { family: 'none' as const };
  const prune = config.prune ?? null;
  const train = config.train ?? studentTrain;
  const data = config.data ?? null;
  const keepFloat = quantize?.keepFloat;
  const crembo = distill?.method === 'crembo' ? resolveCrembo(distill) : null;
  const kd = distill && distill.method !== 'crembo' ? distill : null;
  return {
    'dataset.name': config.dataset.name,
    'model.family': model.family,
    'model.hidden': model.family === 'mlp' ? model.hidden : null,
    'model.channels': model.family === 'cnn' ? model.channels : null,
    'model.activation': model.family === 'mlp' || model.family === 'cnn' ? activationLabel(model.activation) : null,
    'model.smh.fraction': model.family === 'mlp' || model.family === 'cnn' ? (model.smh?.fraction ?? null) : null,
    'distill.temperature': kd?.temperature ?? null,
    'distill.alpha': kd?.alpha ?? null,
    'distill.method': distill ? distillMethod(distill) : null,
    'distill.thresholds': crembo?.thresholds ?? null,
    'distill.loss': crembo?.loss ?? null,
    'train.optimizer.name': train?.optimizer.name ?? null,
    'train.optimizer.lr': train?.optimizer.lr ?? null,
    'train.epochs': train?.epochs ?? null,
    'train.batchSize': train?.batchSize ?? null,
    'quantize.method': quantize?.method ?? null,
    'quantize.bits': quantize ? quantizationBits(quantize) : null,
    'quantize.bucketSize': quantize?.method === 'pq' ? null : (quantize?.bucketSize ?? null),
    'quantize.blockSize': quantize?.method === 'pq' ? quantize.blockSize : null,
    'quantize.centroids': quantize?.method === 'pq' ? quantize.centroids : null,
    'quantize.keepFloat':
      keepFloat === undefined ? null : typeof keepFloat === 'string' ? keepFloat : keepFloat.layers.join(';'),
    'quantize.noise': quantize?.method === 'qat' || quantize?.method === 'pq' ? quantNoise(quantize) : null,
    'prune.method': prune?.method ?? null,
    'prune.sparsity': prune?.sparsity ?? null,
    'prune.retrainEpochs': prune?.retrainEpochs ?? null,
    'prune.rounds': prune?.rounds ?? null,
    'prune.alpha': prune?.method === 'surp' ? prune.alpha : null,
    'data.source': data?.source ?? 'real',
    'data.method': data?.method ?? null,
    'data.samples': data?.samples ?? null,
    teacher,
    seed,
  };
}
