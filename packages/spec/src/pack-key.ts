import { canonicalHash } from './canonical.ts';
import { datasetShape } from './dataset-spec.ts';
import { modelTensors } from './model-tensors.ts';
import { type RunConfig, runSyntheticData } from './run-config.ts';

/**
 * Glossary.
 * - pack: runs trained together as one job (packages/ml `executePack`): one training loop steps every member
 *   in turn over the same batches-per-epoch and epochs, the teacher's logits computed once for all of them.
 *   Each member keeps everything that makes it itself — its initialisation seed, data order, statistics,
 *   optimizer state, learning-rate schedule, checkpoints, artifact and result — and ends exactly as it would
 *   alone (within float32 tolerance).
 * - pack key: what members of one pack must have in common; runs with equal keys may be packed.
 *
 * What must be equal: the run kind, the data set (rows, split and validation; for runs on synthetic data, the
 * synthetic data's configuration, since their training rows are its samples), the batch size and epochs (one
 * loop drives every member through the same number of steps), and the model's family and parameter shapes
 * (so a batched step can lay the members' tensors out alike). What may differ: seeds, distillation settings
 * (T, α), optimizer settings and learning-rate schedule, the activation where its parameters have the same
 * shapes (PReLU with one slope per layer and swish with one β; LMA-8 with statistics moving-average or recalibrate), and a QAT
 * variant's bits and buckets.
 *
 * Never packed (null): teachers (a sweep has one, the others' parent), quantize-ptq (nothing trains), prune
 * (rounds of masks and retraining are their own loop), iPQ (`quantize.method: pq`: its proxy noise and codebook
 * fine-tuning run in the reference step only), CREMBO (a search over several trainings), Structured Multi-Hashing (its shared pool is not in the fused
 * step) and imported models.
 *
 * The key is about configurations only: the planner also groups a pack's members by their parent (their
 * teacher), since the teacher's logits are what the members share.
 */
export function packKey(config: RunConfig): string | null {
  if (config.kind !== 'student' && config.kind !== 'quantize-qat') return null;
  if (config.quantize && config.quantize.method === 'pq') return null;
  if (config.distill.method === 'crembo') return null;
  const model = config.model;
  if (model.smh) return null;
  const shapes = modelTensors(model, datasetShape(config.dataset)).map((t) => ({
    shape: t.shape,
    trainable: t.trainable,
  }));
  const data = runSyntheticData(config);
  return canonicalHash({
    kind: config.kind,
    dataset: config.dataset,
    // Absent on real data, so those keys are what they were.
    ...(data ? { data } : {}),
    family: model.family,
    shapes,
    batchSize: config.train.batchSize,
    epochs: config.train.epochs,
  });
}

/** Whether runs of configs `a` and `b` may be trained in one pack (both packable, with equal pack keys). */
export function packable(a: RunConfig, b: RunConfig): boolean {
  const key = packKey(a);
  return key !== null && key === packKey(b);
}
