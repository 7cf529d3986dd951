import type { EpochMetrics, TrainSpec } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { allowedLabelsLoss } from '../crembo/allowed-labels-loss.ts';
import { makeBatch, type RunData } from '../data/run-data.ts';
import { fusedMlpStep } from '../fast/fused-mlp-step.ts';
import type { PqTraining } from '../quantize/pq-training.ts';
import type { TrainingState } from './checkpoint.ts';
import { type DistillSettings, fusedKdLoss, hasFusedKdLoss, kdLoss } from './kd-loss.ts';
import { Optimizer } from './optimizer.ts';
import { qatForwardValues } from './qat-forward.ts';
import { TrainingSession } from './training-session.ts';
import { decaysTowardsZero, weightDecayTargets } from './weight-decay.ts';

/** Where training is: batch `batch` of `batches` (1-based) of epoch `epoch` of `epochs`. */
export interface BatchPosition {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
}

/**
 * Quantized distillation: train with the weights at `indices` (positions in model.weights) quantized — with
 * Quant-Noise, each weight with probability `noise.rate` per step (see quantNoiseValues).
 */
export interface QatSettings {
  indices: number[];
  bits: number;
  bucketSize: number;
  /** Absent: rate 1, every weight quantized every step (plain QAT). */
  noise?: { rate: number; seed: number };
}

export interface TrainOptions {
  model: tf.LayersModel;
  data: RunData;
  layout: 'flat' | 'image';
  train: TrainSpec;
  seed: number;
  /** KD settings; null (or α = 0, or no teacher logits) trains with cross-entropy. */
  distill: DistillSettings | null;
  /** The frozen teacher's logits for `data.train.indices[i]` at row i (n × classes), or null. */
  teacherLogits: Float32Array | null;
  qat: QatSettings | null;
  /**
   * CREMBO: the allowed-label targets of `data.train.indices[i]` at row i (n × classes, see allowedLabelTargets).
   * Given, the loss is the multi-label allowedLabelsLoss instead of the KD loss, on the reference step.
   */
  targets?: Float32Array | null;
  /**
   * Pruning masks (1 = kept) of weights, by position in model.weights: their gradients are masked and, after
   * every update, their pruned values are set back to exactly 0, so they stay 0 whatever the optimizer's state.
   */
  masks?: ReadonlyMap<number, Uint8Array>;
  /** 'reference' forces the reference step; by default (`auto`) a fused step is used where one supports the run. */
  path?: 'auto' | 'reference';
  /** iPQ: proxy noise, then k-means and codebook fine-tuning of the kernels it covers (see PqTraining). */
  pq?: PqTraining | null;
  onEpoch?: (m: EpochMetrics) => void | Promise<void>;
  /**
   * Called after every batch, synchronously and not awaited: it must be cheap (a throttled reporter), so training
   * never waits on it.
   */
  onBatch?: (p: BatchPosition) => void;
  /** Continue after `resume.epoch` from this state (same model spec, data and training settings). */
  resume?: TrainingState;
  /** Awaited after every epoch, after `onEpoch`, with the state to resume from (fresh arrays). */
  onState?: (state: TrainingState) => Promise<void>;
  signal?: AbortSignal;
}

/** Longest stretch of synchronous work between yields to the event loop (lock renewals, abort signals). */
export const YIELD_EVERY_MS = 50;

/**
 * The training loop: seeded shuffling each epoch, minibatches in training mode (BatchNorm and LMA update their
 * statistics), the KD loss against precomputed teacher logits, weight decay (`weightDecayOn`), the learning-rate
 * schedule, validation after each epoch. With `qat`, each minibatch quantizes the selected full-precision
 * ("shadow") weights, computes loss and gradients with the quantized weights, restores the full-precision
 * weights and applies the update to them (straight-through estimator, Polino et al.); with Quant-Noise only a
 * random part of them is quantized in each step. The loop's state lives in a TrainingSession, which a pack of
 * students (executePack) steps for several runs in turn.
 */
export async function trainModel(o: TrainOptions): Promise<TrainResult> {
  const session = new TrainingSession(o, chooseTrainingStep(o));
  try {
    let lastYield = performance.now();
    while (!session.done) {
      const unit = await session.advance();
      if (unit === 'epoch') lastYield = performance.now();
      else if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    return session.finish();
  } finally {
    session.dispose();
  }
}

/** What `trainModel` returns: the epochs' metrics and which implementation of the step trained them. */
export interface TrainResult {
  history: EpochMetrics[];
  path: TrainPath;
}

/**
 * Which implementation trained a run: `reference` is trainingStep below (tfjs-layers, the tape, any backend);
 * the fused paths (packages/ml/src/fast) run forward, backward and update as direct SIMD kernel calls on the wasm
 * backend for the models they support, and equal the reference within float32 rounding.
 */
export type TrainPath = 'reference' | 'fused-mlp' | 'fused-cnn';

/** The optimizer state a step keeps, as checkpoints save it (see `Optimizer.state`). */
export interface StepOptimizer {
  readonly stepCount: number;
  state(): Promise<{ steps: number; slots: Float32Array[][] }>;
  restore(state: { steps: number; slots: Float32Array[][] }): void;
}

/** One optimisation step on a minibatch, as the training loop runs it (also used by bench/ml-profile.ts). */
export interface TrainStep {
  readonly path: TrainPath;
  /**
   * Trains on the rows `data.train.indices[positions[from..to)]` at learning rate `lr`; resolves to the batch's
   * mean loss and its number of correct predictions (training mode).
   */
  run(positions: Int32Array, from: number, to: number, lr: number): Promise<{ loss: number; correct: number }>;
  readonly optimizer: StepOptimizer;
  /**
   * Takes the model's current weights and statistics as the step's own (after a checkpoint was written into the
   * model). The reference step trains the model's variables themselves: nothing to do.
   */
  readModel(): void;
  /**
   * Writes the weights and statistics trained so far into the model: before validation, checkpoints and at the
   * end of training. A no-op for the reference step.
   */
  writeModel(): void;
  /** Disposes the optimizer state. */
  dispose(): void;
}

/** The fused step for `o`'s model where one supports it on the current backend, else the reference step. */
export function chooseTrainingStep(o: Parameters<typeof trainingStep>[0] & Pick<TrainOptions, 'path'>): TrainStep {
  // iPQ's proxy noise and codebook projection, and CREMBO's multi-label loss, exist in the reference step only.
  const reference = o.path === 'reference' || (o.pq ?? null) !== null || (o.targets ?? null) !== null;
  return (reference ? null : fusedMlpStep(o)) ?? trainingStep(o);
}

/** The reference training step for `o`'s model, data and settings (any backend), with its own optimizer. */
export function trainingStep(
  o: Pick<
    TrainOptions,
    'model' | 'data' | 'layout' | 'train' | 'distill' | 'teacherLogits' | 'qat' | 'masks' | 'pq' | 'targets'
  >,
): TrainStep {
  const { model, data, layout, train } = o;
  const { dataset } = data;
  const weights = model.trainableWeights;
  const variables = weights.map((w) => w.read() as tf.Variable);
  const decayTargets = weightDecayTargets(model, train);
  const decay = weights.map((w) => decaysTowardsZero(decayTargets, w));
  const optimizer = new Optimizer(train.optimizer, variables, decay);
  // Tensors that decay towards a start other than 0 (LMA's slopes): wd·(w − start) added to their gradient here.
  const offsetDecay = weights.flatMap((w, i) => {
    const target = decayTargets.get(w);
    return target ? [{ i, target, rate: train.optimizer.weightDecay ?? 0 }] : [];
  });
  const classes = dataset.classes;
  const qatVariables = (o.qat?.indices ?? []).map((i) => {
    const v = variables[i];
    if (!v) throw new Error(`QAT: weight #${i} is not trainable`);
    return v;
  });
  const masked = [...(o.masks ?? new Map<number, Uint8Array>())].map(([i, mask]) => {
    const w = model.weights[i];
    const k = w ? weights.indexOf(w) : -1;
    if (!w || k < 0) throw new Error(`pruning: weight #${i} is not trainable`);
    return { k, mask: tf.tensor(Float32Array.from(mask), w.shape as number[], 'float32') };
  });
  const pqVariables = (o.pq?.settings.indices ?? []).map((i) => {
    const v = variables[i];
    if (!v) throw new Error(`PQ: weight #${i} is not trainable`);
    return v;
  });
  const distill = o.distill ?? { temperature: 1, alpha: 0 };
  const targets = o.targets ?? null;
  const useTeacher = targets === null && o.teacherLogits !== null && distill.alpha > 0;
  const fused = targets === null && hasFusedKdLoss();
  return {
    path: 'reference',
    optimizer,
    readModel: () => {},
    writeModel: () => {},
    dispose: () => {
      optimizer.dispose();
      tf.dispose(offsetDecay.map((d) => d.target));
      tf.dispose(masked.map((m) => m.mask));
    },
    async run(positions, from, to, lr) {
      const size = to - from;
      const rowOrder = new Int32Array(size);
      for (let i = 0; i < size; i++) rowOrder[i] = data.train.indices[positions[from + i] as number] as number;
      const batch = makeBatch(data.train, rowOrder, 0, size, dataset, layout);
      // The fused loss takes float32 labels (class numbers are exact) and counts the correct predictions itself.
      const labels = fused ? tf.tensor1d(Float32Array.from(batch.labels)) : tf.tensor1d(batch.labels, 'int32');
      let teacher: tf.Tensor | null = null;
      if (useTeacher && o.teacherLogits) {
        const t = new Float32Array(size * classes);
        for (let i = 0; i < size; i++) {
          const p = positions[from + i] as number;
          t.set(o.teacherLogits.subarray(p * classes, (p + 1) * classes), i * classes);
        }
        teacher = tf.tensor2d(t, [size, classes]);
      }
      let allowed: tf.Tensor | null = null;
      if (targets) {
        const t = new Float32Array(size * classes);
        for (let i = 0; i < size; i++) {
          const p = positions[from + i] as number;
          t.set(targets.subarray(p * classes, (p + 1) * classes), i * classes);
        }
        allowed = tf.tensor2d(t, [size, classes]);
      }
      // The weights this step computes with: each changed one's full-precision value is kept to restore after
      // the gradients, with the map from its forward values' gradient to its own (null: straight-through).
      const changed: { i: number; copy: tf.Tensor; backward: ((g: Float32Array) => Float32Array) | null }[] = [];
      const substitute = (i: number, forward: Float32Array, backward: ((g: Float32Array) => Float32Array) | null) => {
        const v = variables[i] as tf.Variable;
        changed.push({ i, copy: tf.keep(v.clone()), backward });
        tf.tidy(() => v.assign(tf.tensor(forward, v.shape, 'float32')));
      };
      qatVariables.forEach((v, k) => {
        const qat = o.qat as QatSettings;
        const i = qat.indices[k] as number;
        const values = qatForwardValues(v.dataSync() as Float32Array, qat, optimizer.stepCount, i);
        if (values) substitute(i, values, null);
      });
      pqVariables.forEach((v, k) => {
        const t = o.pq?.transform(k, v.dataSync() as Float32Array, optimizer.stepCount);
        if (t) substitute(o.pq?.settings.indices[k] as number, t.forward, t.backward);
      });
      let predictions: tf.Tensor | null = null;
      let fusedHits: tf.Tensor | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.apply(batch.x, { training: true }) as tf.Tensor;
        const out = fused ? fusedKdLoss(logits, labels, teacher, distill) : null;
        if (out) {
          fusedHits = out.correct;
          return out.loss;
        }
        predictions = tf.keep(logits.argMax(-1));
        return allowed ? allowedLabelsLoss(logits, allowed) : kdLoss(logits, labels, teacher, distill);
      }, variables);
      for (const { i, copy } of changed) (variables[i] as tf.Variable).assign(copy);
      tf.dispose(changed.map((c) => c.copy));
      const ordered = variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
      const fromGrads = new Set(Object.values(grads));
      for (const { i, backward } of changed) {
        if (!backward) continue;
        const g = ordered[i] as tf.Tensor;
        ordered[i] = tf.tensor(backward(g.dataSync() as Float32Array), g.shape, 'float32');
        if (!fromGrads.has(g)) g.dispose();
      }
      for (const { i, target, rate } of offsetDecay) {
        if (rate === 0) continue;
        const g = ordered[i] as tf.Tensor;
        ordered[i] = tf.tidy(() => g.add((variables[i] as tf.Variable).sub(target).mul(rate)));
        g.dispose();
      }
      for (const { k, mask } of masked) {
        const g = ordered[k] as tf.Tensor;
        ordered[k] = tf.mul(g, mask);
        g.dispose();
      }
      optimizer.step(ordered, lr);
      for (const { k, mask } of masked) {
        const v = variables[k] as tf.Variable;
        tf.tidy(() => v.assign(v.mul(mask)));
      }
      const hits =
        (fusedHits as tf.Tensor | null) ?? tf.tidy(() => (predictions as unknown as tf.Tensor).equal(labels).sum());
      const loss = (await value.data())[0] as number;
      const correct = (await hits.data())[0] as number;
      tf.dispose(
        [batch.x, labels, teacher, allowed, value, hits, predictions, ...ordered, ...Object.values(grads)].filter(
          (t): t is tf.Tensor => t !== null,
        ),
      );
      return { loss, correct };
    },
  };
}
