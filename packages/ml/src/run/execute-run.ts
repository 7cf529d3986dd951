import {
  type ChildRunConfig,
  canonicalJson,
  datasetShape,
  type EpochMetrics,
  isImportedTeacher,
  modelSize,
  modelTensors,
  pqTensorIndices,
  predictRunSize,
  prunedTensorIndices,
  quantizedTensorIndices,
  RunConfig,
  type RunMeasurement,
  resolveCrembo,
  runBits,
  type SparseSupport,
  surpStreamBytes,
  type TensorInfo,
  tensorSize,
} from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { measureArtifactSize } from '../artifact/artifact-size.ts';
import { loadModelArtifact, saveModelArtifact } from '../artifact/model-artifact.ts';
import { artifactMasks, decodeWeights, type ModelArtifact } from '../artifact/packed-artifact.ts';
import { currentBackend } from '../backend/init-backend.ts';
import type { CremboTraining } from '../crembo/crembo-plan.ts';
import { cremboSearch } from '../crembo/crembo-search.ts';
import { loadDataset } from '../data/load-dataset.ts';
import { runDataFacts, selectRunData } from '../data/run-data.ts';
import { ArtifactError, abortError, CheckpointError, RunConfigError } from '../errors.ts';
import { buildModel, inputLayout } from '../model/build-model.ts';
import { maskCount } from '../prune/magnitude-mask.ts';
import { pruneAndRetrain } from '../prune/prune-and-retrain.ts';
import type { SurpResult } from '../prune/surp.ts';
import type { QuantizedTensor } from '../quantize/bucket-quantize.ts';
import type { PqTensor } from '../quantize/pq-tensor.ts';
import { PqTraining } from '../quantize/pq-training.ts';
import { pqQuantizeModelWeights, quantizeModelWeights } from '../quantize/quantize-model.ts';
import { evaluateImportedTeacher } from '../teacher/evaluate-imported-teacher.ts';
import {
  artifactDigest,
  type CheckpointIdentity,
  decodeCheckpoint,
  encodeCheckpoint,
  type TrainingCheckpoint,
  type TrainingState,
} from '../train/checkpoint.ts';
import { evaluate, predictLogits } from '../train/evaluate.ts';
import { recalibrateLma } from '../train/recalibrate-lma.ts';
import { type BatchPosition, type QatSettings, type TrainPath, trainModel } from '../train/train-model.ts';

/**
 * The frozen teacher's logits on a run's training rows, by parent artifact digest, data spec and backend: the
 * students of one teacher (a sweep's many activations, seeds and QAT variants) share them instead of each running
 * the teacher over the whole training set again. A few entries (a sweep's current teachers); never mutated.
 */
const teacherLogitsCache = new Map<string, Float32Array>();
const TEACHER_LOGITS_CACHE_ENTRIES = 4;

function cachedTeacherLogits(key: string): Float32Array | null {
  const value = teacherLogitsCache.get(key);
  if (!value) return null;
  teacherLogitsCache.delete(key); // most recently used last
  teacherLogitsCache.set(key, value);
  return value;
}

function cacheTeacherLogits(key: string, value: Float32Array): void {
  teacherLogitsCache.set(key, value);
  while (teacherLogitsCache.size > TEACHER_LOGITS_CACHE_ENTRIES) {
    teacherLogitsCache.delete(teacherLogitsCache.keys().next().value as string);
  }
}

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
  // A model Distillery builds: trained, pruned and retrained, or (quantize-ptq) its parent's weights quantized.
  const parent = config.kind === 'teacher' ? undefined : parentOf(config, input.parent);

  const shape = datasetShape(config.dataset);
  const tensors = modelTensors(config.model, shape);
  const bits = runBits(config);
  const q = config.quantize;
  const uniform =
    q && q.method !== 'pq' ? { bits: q.bits, bucketSize: q.bucketSize, keepFloat: q.keepFloat } : undefined;
  const pqLayout = q?.method === 'pq' ? q : undefined;
  const layout = uniform ?? pqLayout;
  const quantizedIndices = (
    pqLayout
      ? [...pqTensorIndices(tensors, pqLayout)]
      : uniform
        ? [...quantizedTensorIndices(tensors, uniform.keepFloat)]
        : []
  ).sort((a, b) => a - b);
  if (pqLayout && config.kind !== 'quantize-qat') {
    throw new RunConfigError(
      `quantize.method pq trains its codebooks: it needs a quantize-qat run, not ${config.kind}`,
    );
  }
  const train = config.train;
  const pq =
    pqLayout && train
      ? new PqTraining({
          indices: quantizedIndices,
          shapes: quantizedIndices.map((i) => (tensors[i] as TensorInfo).shape),
          blockSize: pqLayout.blockSize,
          centroids: pqLayout.centroids,
          noise: pqLayout.noise,
          finetuneFrom: train.epochs - pqLayout.finetuneEpochs + 1,
          seed: config.seed,
        })
      : null;
  if (config.kind === 'quantize-ptq' && input.resumeFrom) {
    throw new CheckpointError('epoch', 'a quantize-ptq run does not train: there is no checkpoint to resume');
  }
  // A checkpoint of another config, parent or backend is refused before any work.
  const { onCheckpoint } = input;
  const identity: CheckpointIdentity | undefined =
    input.resumeFrom || onCheckpoint
      ? { config, parent: parent ? artifactDigest(parent.files) : null, backend }
      : undefined;
  const resume: TrainingState | undefined =
    input.resumeFrom && identity ? decodeCheckpoint(input.resumeFrom, identity) : undefined;
  const onState =
    onCheckpoint && identity
      ? { onState: (state: TrainingState) => onCheckpoint(encodeCheckpoint(state, identity)) }
      : {};

  const dataset = loadDataset(config.dataset, { dataRoots: input.dataRoots ?? [] });
  const data = selectRunData(dataset, config.dataset);
  if (config.kind !== 'quantize-ptq' && data.train.indices.length === 0) {
    throw new RunConfigError(
      `no training rows left: limit.train ${config.dataset.limit?.train ?? 'none'} with validation ${config.dataset.validation ?? 0}`,
    );
  }
  const io = inputLayout(config.model);
  const numTensorsBefore = tf.memory().numTensors;
  let model: tf.LayersModel | null = null;
  let trainPath: TrainPath | null = null;
  try {
    let quantized = new Map<number, QuantizedTensor | PqTensor>();
    let masks = new Map<number, Uint8Array>();
    let surp: SurpResult | null = null;
    let crembo: CremboFacts | null = null;
    if (config.kind === 'quantize-ptq') {
      const student = parentOf(config, parent);
      if (!uniform) throw new RunConfigError('a quantize-ptq run quantizes uniformly: quantize.method ptq');
      model = await loadParent(student, tensors);
      if (config.prune) masks = artifactMasks(student);
      quantized = quantizeModelWeights(model, quantizedIndices, uniform, masks);
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
      model = await loadParent(parentOf(config, parent), tensors);
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
        ...(resume ? { resume } : {}),
        ...onState,
        ...(signal ? { signal } : {}),
      });
      surp = outcome.surp;
      if (!surp) masks = outcome.masks;
      await recalibrateLma(model, data.train, dataset, io);
    } else {
      const teacherArtifact = config.kind === 'teacher' ? undefined : parentOf(config, parent);
      const teacherLogits = await kdTeacherLogits(config, teacherArtifact, data, dataset, backend);
      if (signal?.aborted) throw abortError(signal);
      model = buildModel(config.model, shape, config.seed);
      checkWeights(model, tensors);
      const qat: QatSettings | null =
        config.kind === 'quantize-qat' && uniform
          ? {
              indices: quantizedIndices,
              bits: uniform.bits,
              bucketSize: uniform.bucketSize,
              ...(config.quantize?.noise === undefined
                ? {}
                : { noise: { rate: config.quantize.noise, seed: config.seed } }),
            }
          : null;
      const distill = config.distill;
      if (distill?.method === 'crembo') {
        if (pq) throw new RunConfigError('quantize.method pq has no distill.method crembo form: use ptq or qat');
        if (!teacherLogits) throw new RunConfigError("distill.method crembo needs the teacher's artifact as parent");
        const studentModel = model;
        const search = await cremboSearch({
          model: studentModel,
          data,
          layout: io,
          train: config.train,
          seed: config.seed,
          crembo: resolveCrembo(distill),
          teacherLogits,
          qat,
          // Each candidate is judged as the run would store it: quantized (QAT), LMA statistics recalibrated.
          finish: async (m) => {
            if (qat && uniform) quantizeModelWeights(m, quantizedIndices, uniform);
            await recalibrateLma(m, data.train, dataset, io);
          },
          ...(input.onEpoch ? { onEpoch: input.onEpoch } : {}),
          ...(input.onBatch ? { onBatch: input.onBatch } : {}),
          ...(resume ? { resume } : {}),
          ...onState,
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
        ({ path: trainPath } = await trainModel({
          model,
          data,
          layout: io,
          train: config.train,
          seed: config.seed,
          distill,
          teacherLogits,
          pq,
          qat,
          ...(input.onEpoch ? { onEpoch: input.onEpoch } : {}),
          ...(input.onBatch ? { onBatch: input.onBatch } : {}),
          ...(resume ? { resume } : {}),
          ...onState,
          ...(signal ? { signal } : {}),
        }));
      }
      if (config.kind === 'quantize-qat' && uniform) {
        quantized = quantizeModelWeights(model, quantizedIndices, uniform);
      }
      if (pq) quantized = pqQuantizeModelWeights(model, pq);
      // The end of training: LMA layers with statistics 'recalibrate' get the exact μ/σ of the final weights.
      await recalibrateLma(model, data.train, dataset, io);
    }
    const test = await evaluate(model, data.test, dataset, io);
    const pool = prunedTensorIndices(tensors);
    const artifact = await saveModelArtifact(model, {
      tensors,
      quantized,
      masks,
      ...(surp && config.prune?.method === 'surp'
        ? { surp: { pool, bytes: surp.bytes, alpha: config.prune.alpha, nonzeros: surp.nonzeros } }
        : {}),
      metadata: {
        kind: config.kind,
        config,
        backend,
        trainPath,
        bits,
        test: { accuracy: test.accuracy, loss: test.loss, count: test.count },
        data: runDataFacts(data),
        ...(crembo ? { crembo } : {}),
        ...(surp
          ? {
              surp: {
                steps: surp.steps,
                resets: surp.resets,
                sparsity: surp.sparsity,
                reachedTarget: surp.reachedTarget,
              },
            }
          : {}),
      },
    });
    const size = measureArtifactSize(artifact);
    // What the pruning kept, from the run's own masks or SuRP's stream statistics — not read off the artifact.
    const support: SparseSupport | undefined = surp
      ? {
          layout: 'surp',
          pool,
          nonzeros: surp.nonzeros,
          streamBytes: surpStreamBytes({
            poolTensors: pool.length,
            symbolBits: surp.symbolBits,
            nonzeros: surp.nonzeros,
          }),
        }
      : masks.size > 0
        ? { layout: 'bitmap', nonzeros: new Map([...masks].map(([i, m]) => [i, maskCount(m)])) }
        : undefined;
    const predicted = modelSize(tensors, layout, support);
    if (canonicalJson(size) !== canonicalJson(predicted)) {
      throw new ArtifactError(
        `packed weights are ${canonicalJson(size)}, packages/spec predicts ${canonicalJson(predicted)}`,
      );
    }
    const planned = predictRunSize(config);
    if (!planned.estimated && planned.bytes !== size.bytes) {
      throw new ArtifactError(`packed weights are ${size.bytes} bytes, the plan predicted ${planned.bytes}`);
    }
    return {
      accuracy: test.accuracy,
      loss: test.loss,
      parameters: tensors.reduce((n, t) => n + tensorSize(t), 0),
      bytes: size.bytes,
      sizeBreakdown: size,
      bits,
      backend,
      trainPath,
      splitDigest: data.splitDigest,
      artifact,
    };
  } finally {
    model?.dispose();
    const leaked = tf.memory().numTensors - numTensorsBefore;
    if (leaked > 0 && process.env.DISTILLERY_DEBUG_TENSORS) console.warn(`executeRun: ${leaked} tensors not disposed`);
  }
}

/**
 * The frozen teacher's logits on the training rows for a run that distils (α > 0) from `teacher`, shared
 * through the cache; null otherwise.
 */
async function kdTeacherLogits(
  config: RunConfig,
  teacher: ModelArtifact | undefined,
  data: ReturnType<typeof selectRunData>,
  dataset: ReturnType<typeof loadDataset>,
  backend: string,
): Promise<Float32Array | null> {
  if (!teacher || config.kind === 'teacher' || !config.distill) return null;
  // KD with α = 0 is plain cross-entropy; CREMBO always reads the teacher's beliefs.
  if (config.distill.method !== 'crembo' && config.distill.alpha <= 0) return null;
  const key = `${artifactDigest(teacher.files)} ${canonicalJson(config.dataset)} ${backend}`;
  const cached = cachedTeacherLogits(key);
  if (cached) return cached;
  const model = await loadModelArtifact(teacher);
  let logits: Float32Array;
  try {
    // The teacher's own layout: an imported or CNN teacher takes images where an MLP student takes rows.
    const teacherIo = model.inputs[0]?.shape.length === 2 ? 'flat' : 'image';
    logits = await predictLogits(model, data.train, data.train.indices, dataset, teacherIo);
  } finally {
    model.dispose();
  }
  cacheTeacherLogits(key, logits);
  return logits;
}

/** The parent artifact a child run needs; refused before any work when it is missing. */
function parentOf(config: ChildRunConfig, parent: ModelArtifact | undefined): ModelArtifact {
  if (parent) return parent;
  const parentKind =
    config.kind === 'student' || config.kind === 'quantize-qat' ? "the teacher's" : "the trained student's";
  throw new RunConfigError(`a ${config.kind} run needs ${parentKind} artifact as parent`);
}

async function loadParent(parent: ModelArtifact, tensors: ReturnType<typeof modelTensors>): Promise<tf.LayersModel> {
  const { json } = decodeWeights(parent);
  const got = json.weights.map((w) => `${w.name} [${w.shape}]`).join(', ');
  const want = tensors.map((t) => `${t.name} [${t.shape}]`).join(', ');
  if (got !== want) {
    throw new RunConfigError(`the parent model's weights (${got}) do not match config.model's (${want})`);
  }
  const model = await loadModelArtifact(parent);
  checkWeights(model, tensors);
  return model;
}

function checkWeights(model: tf.LayersModel, tensors: ReturnType<typeof modelTensors>): void {
  const got = model.weights.map((w) => `${w.originalName} [${w.shape}]`).join(', ');
  const want = tensors.map((t) => `${t.name} [${t.shape}]`).join(', ');
  if (got !== want) throw new RunConfigError(`model weights (${got}) differ from packages/spec's list (${want})`);
}
