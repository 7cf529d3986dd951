import { cremboMaxTrainings, type EpochMetrics, type ResolvedCremboDistill, type TrainSpec } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import type { RunData } from '../data/run-data.ts';
import { abortError, CheckpointError, RunConfigError } from '../errors.ts';
import type { NamedValues, TrainingState } from '../train/checkpoint.ts';
import { evaluate, predictLogits } from '../train/evaluate.ts';
import { type BatchPosition, type QatSettings, type TrainPath, trainModel } from '../train/train-model.ts';
import { segmentCallbacks } from '../train/training-segment.ts';
import { allowedLabelTargets, argMaxRows, checkConsistency } from './allowed-labels.ts';
import { teacherBeliefs } from './beliefs.ts';
import { betterTraining, type CremboTraining, cremboPlan, cremboSelection } from './crembo-plan.ts';
import { depthGrid } from './depth-grid.ts';

/** What a CREMBO checkpoint carries besides the current training's state (see TrainingState.crembo). */
export interface CremboState {
  /** The trainings judged so far, in the order they ran. */
  trainings: CremboTraining[];
  /** The weights of MEMO's student so far (the largest consistent threshold the search found); null while none. */
  memo: NamedValues[] | null;
  /** The weights of the best student above it (every one while none is consistent); null while none. */
  other: NamedValues[] | null;
}

export interface CremboSearchOptions {
  /** A freshly built student: every training starts from these initial weights. */
  model: tf.LayersModel;
  data: RunData;
  layout: 'flat' | 'image';
  /** Each training's settings: `train.epochs` epochs with the run's seed (one batch order for all). */
  train: TrainSpec;
  seed: number;
  crembo: ResolvedCremboDistill;
  /** The frozen teacher's logits for `data.train.indices[i]` at row i (n × classes). */
  teacherLogits: Float32Array;
  /** Quantized distillation of every training (a quantize-qat run). */
  qat: QatSettings | null;
  /**
   * Makes a trained student the model the run would store before it is judged (QAT: its weights quantized; LMA
   * statistics recalibrated). The search restores the trained weights afterwards.
   */
  finish: (model: tf.LayersModel) => Promise<void>;
  /** Epochs counted over the trainings: training t's epoch e is t·epochs + e of cremboMaxTrainings·epochs. */
  onEpoch?: (m: EpochMetrics) => void | Promise<void>;
  onBatch?: (p: BatchPosition) => void;
  /** Continue after `resume.epoch` (counted over the trainings) from a state `onState` gave. */
  resume?: TrainingState;
  onState?: (state: TrainingState) => Promise<void>;
  signal?: AbortSignal;
}

/** What the search found; the model holds the selected student's trained weights. */
export interface CremboOutcome {
  /** The depth thresholds tried (the quantile grid). */
  grid: number[];
  /** MEMO's index into the grid: the largest consistent threshold; null when none was. */
  memo: number | null;
  /** The student kept: the best validation accuracy at or above MEMO's threshold. */
  selected: CremboTraining;
  trainings: CremboTraining[];
  /** The step that trained the students (the reference step: the multi-label loss has no fused kernel). */
  path: TrainPath;
}

/**
 * CREMBO for a DNN student (the official dnn2dnn_compression.py's memo and crembo, on a quantile grid of depth
 * thresholds): trains the student once per threshold the search visits — MEMO's binary search for the deepest
 * consistent one, then each threshold above it — with the multi-label loss against the allowed labels, judges
 * each (consistency on the training rows, accuracy on the validation rows) and keeps the best by validation
 * accuracy. Every training starts from the same initial weights with the same batch order, so the students differ
 * in their targets only. Checkpoints carry the trainings judged so far and the two candidates' weights; a run
 * resumed anywhere ends as the uninterrupted one.
 */
export async function cremboSearch(o: CremboSearchOptions): Promise<CremboOutcome> {
  const { model, data } = o;
  const classes = data.dataset.classes;
  if (data.validation.indices.length === 0) {
    throw new RunConfigError('distill.method crembo selects its student on validation rows: dataset.validation > 0');
  }
  const beliefs = teacherBeliefs(o.teacherLogits, classes);
  const grid = depthGrid(beliefs, o.crembo.thresholds);
  const epochs = o.train.epochs;
  const total = cremboMaxTrainings(o.crembo.thresholds) * epochs;
  const initial = snapshot(model);
  const state: CremboState = o.resume?.crembo
    ? { ...o.resume.crembo, trainings: [...o.resume.crembo.trainings] }
    : { trainings: [], memo: null, other: null };
  let within = 0;
  if (o.resume) {
    within = o.resume.epoch - state.trainings.length * epochs;
    if (within < 1 || within > epochs) {
      throw new CheckpointError(
        'epoch',
        `a CREMBO checkpoint at epoch ${o.resume.epoch} with ${state.trainings.length} trainings judged is not inside the next ${epochs}-epoch training`,
      );
    }
  }
  let path: TrainPath = 'reference';
  for (;;) {
    const plan = cremboPlan(grid.length, state.trainings);
    if (plan.next === null) {
      const selected = cremboSelection(state.trainings, plan.memo);
      const weights = selected && selected.index === plan.memo ? state.memo : state.other;
      if (!selected || !weights) throw new Error('CREMBO: the search ended without a student');
      writeWeights(model, weights);
      return { grid, memo: plan.memo, selected, trainings: state.trainings, path };
    }
    if (o.signal?.aborted) throw abortError(o.signal);
    const index = plan.next;
    const offset = state.trainings.length * epochs;
    if (within === epochs) writeWeights(model, (o.resume as TrainingState).weights);
    else {
      if (within === 0) writeWeights(model, initial);
      const judged: CremboState = { ...state, trainings: [...state.trainings] };
      ({ path } = await trainModel({
        model,
        data,
        layout: o.layout,
        train: o.train,
        seed: o.seed,
        distill: null,
        teacherLogits: null,
        qat: o.qat,
        targets: allowedLabelTargets(beliefs, grid[index] as number, o.crembo.loss),
        ...segmentCallbacks(o, { offset, total, within }),
        ...(o.onState
          ? {
              onState: (s: TrainingState) =>
                (o.onState as NonNullable<CremboSearchOptions['onState']>)({
                  ...s,
                  epoch: offset + s.epoch,
                  crembo: judged,
                }),
            }
          : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      }));
    }
    within = 0;
    const trained = snapshot(model);
    await o.finish(model);
    const logits = await predictLogits(model, data.train, data.train.indices, data.dataset, o.layout);
    const check = checkConsistency(argMaxRows(logits, classes), beliefs, classes, grid[index] as number);
    const val = await evaluate(model, data.validation, data.dataset, o.layout);
    writeWeights(model, trained);
    const training: CremboTraining = {
      index,
      consistent: check.consistent,
      violations: check.violations,
      valAccuracy: val.accuracy,
    };
    if (!plan.searched && training.consistent) state.memo = trained;
    else {
      const others = state.trainings.filter((t) => plan.memo === null || t.index > plan.memo);
      const best = others.reduce<CremboTraining | null>((b, t) => (b ? betterTraining(b, t) : t), null);
      if (!best || betterTraining(best, training) === training) state.other = trained;
    }
    state.trainings.push(training);
  }
}

function snapshot(model: tf.LayersModel): NamedValues[] {
  return model.weights.map((w) => ({
    name: w.originalName,
    shape: [...w.shape] as number[],
    values: Float32Array.from(w.read().dataSync() as Float32Array),
  }));
}

function writeWeights(model: tf.LayersModel, weights: readonly NamedValues[]): void {
  const want = model.weights.map((w) => `${w.originalName} [${w.shape}]`).join(', ');
  const got = weights.map((w) => `${w.name} [${w.shape}]`).join(', ');
  if (got !== want) {
    throw new CheckpointError('format', `the CREMBO weights (${got}) are not the model's (${want})`);
  }
  model.weights.forEach((w, i) => {
    tf.tidy(() => {
      w.write(tf.tensor((weights[i] as NamedValues).values, w.shape as number[], 'float32'));
    });
  });
}
