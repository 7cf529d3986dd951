import {
  type EpochMetrics,
  isImportedTeacher,
  prunedTensorIndices,
  RunConfig,
  type RunMeasurement,
  resolveCrembo,
} from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { artifactMasks, type ModelArtifact } from '../artifact/packed-artifact.ts';
import { currentBackend } from '../backend/init-backend.ts';
import type { CremboTraining } from '../crembo/crembo-plan.ts';
import { cremboSearch } from '../crembo/crembo-search.ts';
import { abortError, RunConfigError } from '../errors.ts';
import { buildModel } from '../model/build-model.ts';
import { pruneAndRetrain } from '../prune/prune-and-retrain.ts';
import type { SurpResult } from '../prune/surp.ts';
import type { QuantizedTensor } from '../quantize/bucket-quantize.ts';
import type { PqTensor } from '../quantize/pq-tensor.ts';
import { quantizeModelWeights } from '../quantize/quantize-model.ts';
import { executeSynthesis } from '../synthesize/execute-synthesis.ts';
import { evaluateImportedTeacher } from '../teacher/evaluate-imported-teacher.ts';
import type { TrainingCheckpoint } from '../train/checkpoint.ts';
import { recalibrateLma } from '../train/recalibrate-lma.ts';
import { type BatchPosition, type TrainPath, trainModel } from '../train/train-model.ts';
import { finishRun } from './finish-run.ts';
import { type BuiltRunConfig, checkWeights, loadParent, parentOf, planRun } from './run-plan.ts';
import { kdTeacherLogits } from './teacher-logits.ts';
import { afterTraining, qatSettings, type TrainingPlan, trainingOptions } from './training-options.ts';

/**
 * What a CREMBO run's search found, kept in its artifact's metadata: the depth grid, MEMO's index into it (null:
 * no threshold was consistent), the selected index and its depth, and every training it judged.
 */
export interface CremboFacts {
  grid: number[];
  memo: number | null;
  selected: number;
  depth: number;
  trainings: CremboTraining[];
}

/** A run's measured result (see {@link RunMeasurement}) and its saved model. */
export interface RunOutcome extends RunMeasurement {
  /** Which implementation of the training step trained it; null when nothing trained (quantize-ptq, imported). */
  trainPath: TrainPath | null;
  /**
   * The class the model predicts for each test example, in test-row order, one byte each (see
   * encodeTestPredictions): what replicates' agreement is computed from. Null for more than 256 classes.
   */
  testPredictions: Uint8Array | null;
  artifact: ModelArtifact;
}

export interface ExecuteRunInput {
  config: RunConfig;
  /**
   * The teacher's artifact for student and quantize-qat; the trained student's for quantize-ptq and prune (the
   * pruned student's for a quantize-ptq of one); absent for teacher.
   */
  parent?: ModelArtifact;
  /** A prune run's teacher (its student's parent): it retrains against the same teacher logits as the student. */
  teacher?: ModelArtifact;
  /**
   * The synthetic data set (a synthesize run's artifact) a run with `config.data` trains on — a student's or QAT
   * run's parent (`parent` is then its teacher, the synthesize run's parent), a PTQ variant's grandparent. It
   * replaces the training split: such a run never sees a real training row; the test split stays real.
   */
  synthetic?: ModelArtifact;
  /** Awaited after every epoch. */
  onEpoch?: (m: EpochMetrics) => void | Promise<void>;
  /** After every training batch, not awaited: see TrainOptions.onBatch. */
  onBatch?: (p: BatchPosition) => void;
  /** Stops training between batches and epochs; the promise then rejects with an AbortError. */
  signal?: AbortSignal;
  /**
   * Continue after `resumeFrom.epoch` (a checkpoint that `onCheckpoint` gave for this same config and parent, on
   * this backend), to the same result — bit-identical weights and metrics — as an uninterrupted run. A checkpoint
   * of another config, parent or backend, or a malformed one, is refused with a CheckpointError before any
   * work. Not for quantize-ptq (nothing to resume).
   */
  resumeFrom?: TrainingCheckpoint;
  /**
   * Awaited after every epoch (the last one too), after `onEpoch`, with the state to resume from. Its files are
   * fresh buffers the callee may keep. An abort signalled inside it stops the run right after it returns.
   */
  onCheckpoint?: (checkpoint: TrainingCheckpoint) => Promise<void>;
  /**
   * Folders `config.dataset.path` must resolve into (symlinks included), checked when the data are loaded.
   * @defaultValue [] (a path-based data set is refused)
   */
  dataRoots?: readonly string[];
}

/**
 * Executes one run of any kind and returns its test result and saved model. Everything it allocates in tfjs is
 * disposed before it returns or throws, so a worker can execute many runs in one process.
 *
 * - teacher: trains `config.model` with cross-entropy; an imported one (`family: 'imported'`) is evaluated
 *   and stored, not trained (`evaluateImportedTeacher`).
 * - student: trains with the KD loss against the frozen teacher (`parent`), whose logits on the training rows
 *   are computed once in inference mode (the data are not augmented, so they do not change between epochs).
 * - quantize-qat: like student, with quantized distillation (quantized forward/backward, full-precision
 *   update; with Quant-Noise a random part of the weights quantized per step), then quantized once more at the end.
 * - quantize-qat with `quantize.method: pq` (iPQ): like student with the proxy noise, then k-means codebooks per
 *   kernel fine-tuned for the last `finetuneEpochs` epochs (PqTraining), then stored as assignments + float16
 *   codebooks.
 * - quantize-ptq: loads the trained student (`parent`), quantizes its weights, evaluates; no training. The PTQ
 *   of a pruned student quantizes the survivors of its pruned tensors only (they stay sparse).
 * - prune: loads the trained student (`parent`), prunes its weight matrices in rounds and retrains after each
 *   with the KD loss against `teacher` (`pruneAndRetrain`), masks fixed.
 * - synthesize: inputs made from the teacher (`parent`) alone, stored as a data set (`executeSynthesis`).
 * - a student, QAT or PTQ run with `config.data` (synthetic): as above, on the synthetic data set (`synthetic`)
 *   instead of the training split, tested on the real test split.
 *
 * LMA layers with `statistics: 'recalibrate'` get their μ/σ from one pass over the training rows after the
 * final weights are set (after training; after the last quantization for quantize-qat and quantize-ptq).
 */
export async function executeRun(input: ExecuteRunInput): Promise<RunOutcome> {
  const parsed = RunConfig.safeParse(input.config);
  if (!parsed.success) throw new RunConfigError(`invalid run config: ${parsed.error.message}`, { cause: parsed.error });
  const { signal } = input;
  if (signal?.aborted) throw abortError(signal);
  const backend = await currentBackend();
  const config = parsed.data;
  if (isImportedTeacher(config)) {
    return evaluateImportedTeacher({ config, dataRoots: input.dataRoots ?? [], backend, signal });
  }
  if (config.kind === 'synthesize') {
    return executeSynthesis({
      config,
      teacher: input.parent,
      backend,
      onEpoch: input.onEpoch,
      resumeFrom: input.resumeFrom,
      onCheckpoint: input.onCheckpoint,
      signal,
    });
  }
  const plan = planRun(input, config as BuiltRunConfig, backend);
  const { tensors, data, dataset, io, uniform } = plan;
  const numTensorsBefore = tf.memory().numTensors;
  let model: tf.LayersModel | null = null;
  let trainPath: TrainPath | null = null;
  try {
    let quantized = new Map<number, QuantizedTensor | PqTensor>();
    let masks = new Map<number, Uint8Array>();
    let surp: SurpResult | null = null;
    let crembo: CremboFacts | null = null;
    if (config.kind === 'quantize-ptq') {
      const student = parentOf(config, plan.parent);
      if (!uniform) throw new RunConfigError('a quantize-ptq run quantizes uniformly: quantize.method ptq');
      model = await loadParent(student, tensors);
      if (config.prune) masks = artifactMasks(student);
      quantized = quantizeModelWeights(model, plan.quantizedIndices, uniform, masks);
      // The parent's recalibrated μ/σ described its float weights; these are the final ones now.
      await recalibrateLma(model, data.train, dataset, io);
    } else if (config.kind === 'prune') {
      const { prune, distill } = config;
      if (distill.method === 'crembo') {
        throw new RunConfigError('a prune run retrains under the KD loss: distill.method crembo has no prune form');
      }
      if (distill.alpha > 0 && !input.teacher) {
        throw new RunConfigError("a prune run with a KD loss needs its student's teacher artifact");
      }
      const teacherLogits = await kdTeacherLogits(config, input.teacher, data, dataset, backend);
      if (signal?.aborted) throw abortError(signal);
      model = await loadParent(parentOf(config, plan.parent), tensors);
      const outcome = await pruneAndRetrain({
        model,
        tensors,
        pool: prunedTensorIndices(tensors),
        prune,
        data,
        layout: io,
        train: config.train,
        seed: config.seed,
        distill,
        teacherLogits,
        ...(input.onEpoch ? { onEpoch: input.onEpoch } : {}),
        ...(input.onBatch ? { onBatch: input.onBatch } : {}),
        ...(plan.resume ? { resume: plan.resume } : {}),
        ...plan.onState,
        ...(signal ? { signal } : {}),
      });
      surp = outcome.surp;
      if (!surp) masks = outcome.masks;
      await recalibrateLma(model, data.train, dataset, io);
    } else {
      const training = plan as TrainingPlan;
      const teacherArtifact = config.kind === 'teacher' ? undefined : plan.parent;
      const teacherLogits = await kdTeacherLogits(config, teacherArtifact, data, dataset, backend);
      if (signal?.aborted) throw abortError(signal);
      model = buildModel(config.model, plan.shape, config.seed);
      checkWeights(model, tensors);
      const distill = config.distill;
      if (distill?.method === 'crembo') {
        if (plan.pq) throw new RunConfigError('quantize.method pq has no distill.method crembo form: use ptq or qat');
        if (!teacherLogits) throw new RunConfigError("distill.method crembo needs the teacher's artifact as parent");
        const qat = qatSettings(training);
        const search = await cremboSearch({
          model,
          data,
          layout: io,
          train: config.train,
          seed: config.seed,
          crembo: resolveCrembo(distill),
          teacherLogits,
          qat,
          // Each candidate is judged as the run would store it: quantized (QAT), LMA statistics recalibrated.
          finish: async (m) => {
            if (qat && uniform) quantizeModelWeights(m, plan.quantizedIndices, uniform);
            await recalibrateLma(m, data.train, dataset, io);
          },
          ...(input.onEpoch ? { onEpoch: input.onEpoch } : {}),
          ...(input.onBatch ? { onBatch: input.onBatch } : {}),
          ...(plan.resume ? { resume: plan.resume } : {}),
          ...plan.onState,
          ...(signal ? { signal } : {}),
        });
        trainPath = search.path;
        crembo = {
          grid: search.grid,
          memo: search.memo,
          selected: search.selected.index,
          depth: search.grid[search.selected.index] as number,
          trainings: search.trainings,
        };
      } else {
        ({ path: trainPath } = await trainModel(trainingOptions(training, input, model, teacherLogits)));
      }
      // The end of training: QAT's last quantization, then LMA's recalibrated μ/σ of the final weights.
      quantized = await afterTraining(training, model);
    }
    return await finishRun(plan, model, { quantized, masks, surp, trainPath, crembo });
  } finally {
    model?.dispose();
    const leaked = tf.memory().numTensors - numTensorsBefore;
    if (leaked > 0 && process.env.DISTILLERY_DEBUG_TENSORS) console.warn(`executeRun: ${leaked} tensors not disposed`);
  }
}
