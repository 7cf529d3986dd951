import { type EpochMetrics, type Pruning, pruneTargets, type TensorInfo, type TrainSpec } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import type { RunData } from '../data/run-data.ts';
import { abortError, CheckpointError } from '../errors.ts';
import { deriveSeed } from '../random/prng.ts';
import type { NamedValues, TrainingState } from '../train/checkpoint.ts';
import type { DistillSettings } from '../train/kd-loss.ts';
import { type BatchPosition, trainModel } from '../train/train-model.ts';
import { segmentCallbacks } from '../train/training-segment.ts';
import { magnitudeMasks } from './magnitude-mask.ts';
import { encodeSurp, type SurpResult } from './surp.ts';

export interface PruneOptions {
  model: tf.LayersModel;
  tensors: readonly TensorInfo[];
  /** Positions (in model.weights) of the tensors to prune. */
  pool: readonly number[];
  prune: Pruning;
  data: RunData;
  layout: 'flat' | 'image';
  /** The student's training settings; each round retrains `prune.retrainEpochs` epochs with them. */
  train: TrainSpec;
  seed: number;
  distill: DistillSettings | null;
  teacherLogits: Float32Array | null;
  onEpoch?: (m: EpochMetrics) => void | Promise<void>;
  /** After every retraining batch, the epoch counted over all rounds. */
  onBatch?: (p: BatchPosition) => void;
  /** Continue after `resume.epoch` (counted over all rounds) from a state `onState` gave. */
  resume?: TrainingState;
  /** After every retraining epoch, with the epoch counted over all rounds and the masks. */
  onState?: (state: TrainingState) => Promise<void>;
  signal?: AbortSignal;
}

export interface PruneOutcome {
  /** Masks of the pool's tensors (1 = kept), by position. */
  masks: Map<number, Uint8Array>;
  /** SuRP: the final stream (the model's weights are what it decodes to). */
  surp: SurpResult | null;
}

/**
 * Prunes the pool in `prune.rounds` rounds towards sparsities 1 − (1 − s)^(t/rounds), each inside the previous
 * round's support, retraining `retrainEpochs` epochs after each round with the masks fixed (train-model keeps
 * pruned values at exactly 0). magnitude: global pruning of the smallest layer-normalized magnitudes. surp: the
 * round's weights are re-encoded by SuRP and replaced by its reconstruction; after the last retraining the
 * weights are encoded once more at the final sparsity, and that stream is the model. A state at a round's end
 * resumes with the next round (its masks follow from the weights and the stored masks, deterministically).
 */
export async function pruneAndRetrain(o: PruneOptions): Promise<PruneOutcome> {
  const { model, pool, prune } = o;
  const targets = pruneTargets(prune);
  const epochsPerRound = prune.retrainEpochs;
  const total = prune.rounds * epochsPerRound;
  let masks = new Map<number, Uint8Array>();
  let done = 0;
  if (o.resume) {
    done = o.resume.epoch;
    masks = restoreMasks(o, o.resume.masks ?? []);
    if (done % epochsPerRound === 0) writeWeights(model, o.resume.weights);
  }
  const read = () => pool.map((i) => (model.weights[i] as tf.LayerVariable).read().dataSync() as Float32Array);
  const write = (values: readonly Float32Array[]) => {
    pool.forEach((i, k) => {
      const w = model.weights[i] as tf.LayerVariable;
      tf.tidy(() => {
        w.write(tf.tensor(values[k] as Float32Array, w.shape as number[], 'float32'));
      });
    });
  };
  let surp: SurpResult | null = null;
  const firstRound = epochsPerRound === 0 ? 0 : Math.floor(done / epochsPerRound);
  for (let round = firstRound; round < prune.rounds; round++) {
    if (o.signal?.aborted) throw abortError(o.signal);
    const within = done - round * epochsPerRound;
    if (within === 0) {
      const weights = read();
      const target = targets[round] as number;
      if (prune.method === 'magnitude') {
        const previous = masks.size > 0 ? pool.map((i) => masks.get(i) as Uint8Array) : null;
        const next = magnitudeMasks(weights, target, previous);
        write(weights.map((w, k) => w.map((v, j) => ((next[k] as Uint8Array)[j] ? v : 0))));
        masks = new Map(pool.map((i, k) => [i, next[k] as Uint8Array]));
      } else {
        surp = encodeSurp(weights, { alpha: prune.alpha, sparsity: target, seed: deriveSeed(o.seed, 'surp', round) });
        write(surp.values);
        masks = new Map(
          pool.map((i, k) => [i, Uint8Array.from(surp?.values[k] as Float32Array, (v) => (v !== 0 ? 1 : 0))]),
        );
      }
    }
    if (epochsPerRound === 0) continue;
    const offset = round * epochsPerRound;
    const roundMasks = masks;
    await trainModel({
      model,
      data: o.data,
      layout: o.layout,
      train: { ...o.train, epochs: epochsPerRound },
      seed: deriveSeed(o.seed, 'prune-retrain', round),
      distill: o.distill,
      teacherLogits: o.teacherLogits,
      qat: null,
      masks: roundMasks,
      ...segmentCallbacks(o, { offset, total, within }),
      ...(o.onState
        ? {
            onState: (state: TrainingState) =>
              (o.onState as NonNullable<PruneOptions['onState']>)({
                ...state,
                epoch: offset + state.epoch,
                masks: pool.map((i) => ({
                  name: (o.tensors[i] as TensorInfo).name,
                  shape: [...(o.tensors[i] as TensorInfo).shape],
                  values: Float32Array.from(roundMasks.get(i) as Uint8Array),
                })),
              }),
          }
        : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    done = offset + epochsPerRound;
  }
  if (prune.method === 'surp' && (epochsPerRound > 0 || surp === null)) {
    surp = encodeSurp(read(), {
      alpha: prune.alpha,
      sparsity: prune.sparsity,
      seed: deriveSeed(o.seed, 'surp', 'final'),
    });
    write(surp.values);
    masks = new Map(
      pool.map((i, k) => [i, Uint8Array.from(surp?.values[k] as Float32Array, (v) => (v !== 0 ? 1 : 0))]),
    );
  }
  return { masks, surp };
}

function restoreMasks(o: PruneOptions, stored: readonly NamedValues[]): Map<number, Uint8Array> {
  if (o.resume && o.resume.epoch > 0 && stored.length !== o.pool.length) {
    throw new CheckpointError(
      'format',
      `the checkpoint has ${stored.length} pruning masks, the run prunes ${o.pool.length} tensors`,
    );
  }
  const out = new Map<number, Uint8Array>();
  for (const i of o.pool) {
    const t = o.tensors[i] as TensorInfo;
    const m = stored.find((s) => s.name === t.name);
    if (!m) continue;
    if (m.values.length !== m.shape.reduce((a, b) => a * b, 1) || m.shape.join('x') !== t.shape.join('x')) {
      throw new CheckpointError(
        'format',
        `the checkpoint's mask of ${t.name} [${m.shape}] is not the tensor's [${t.shape}]`,
      );
    }
    out.set(
      i,
      Uint8Array.from(m.values, (v) => (v !== 0 ? 1 : 0)),
    );
  }
  return out;
}

/** A checkpoint's weights written into the model (a round's end: the next round starts from them). */
function writeWeights(model: tf.LayersModel, weights: readonly NamedValues[]): void {
  const want = model.weights.map((w) => `${w.originalName} [${w.shape}]`).join(', ');
  const got = weights.map((w) => `${w.name} [${w.shape}]`).join(', ');
  if (got !== want)
    throw new CheckpointError('format', `the checkpoint's weights (${got}) are not the model's (${want})`);
  model.weights.forEach((w, i) => {
    tf.tidy(() => {
      w.write(tf.tensor((weights[i] as NamedValues).values, w.shape as number[], 'float32'));
    });
  });
}
