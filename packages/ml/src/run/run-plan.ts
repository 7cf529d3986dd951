import {
  type ChildRunConfig,
  datasetShape,
  type ModelSpec,
  modelTensors,
  pqTensorIndices,
  quantizedTensorIndices,
  type RunConfig,
  runBits,
  runSyntheticData,
  type TensorInfo,
} from '@distillery/spec';
import type * as tf from '@tensorflow/tfjs';
import { loadModelArtifact } from '../artifact/model-artifact.ts';
import { decodeWeights, type ModelArtifact } from '../artifact/packed-artifact.ts';
import { loadDataset } from '../data/load-dataset.ts';
import { selectRunData } from '../data/run-data.ts';
import { CheckpointError, RunConfigError } from '../errors.ts';
import { inputLayout } from '../model/build-model.ts';
import { PqTraining } from '../quantize/pq-training.ts';
import { syntheticRunDataset } from '../synthesize/synthetic-run-dataset.ts';
import {
  artifactDigest,
  type CheckpointIdentity,
  decodeCheckpoint,
  encodeCheckpoint,
  type TrainingState,
} from '../train/checkpoint.ts';
import type { ExecuteRunInput } from './execute-run.ts';

/** A run config of a model Distillery builds (not an imported teacher). */
export type BuiltRunConfig = RunConfig & { model: ModelSpec };

/**
 * What a run of a model Distillery builds derives from its input before it allocates anything in tfjs: its
 * tensors and quantization layout, its parent, the checkpoint it resumes (checked against its identity), the
 * callback that encodes its checkpoints, and its data.
 */
export interface RunPlan {
  config: BuiltRunConfig;
  /** The parent artifact (teacher of a student or QAT run, trained student of a PTQ or prune run); none for a teacher. */
  parent: ModelArtifact | undefined;
  shape: ReturnType<typeof datasetShape>;
  tensors: TensorInfo[];
  bits: number;
  uniform: { bits: number; bucketSize: number; keepFloat: NonNullable<RunConfig['quantize']>['keepFloat'] } | undefined;
  pqLayout: Extract<NonNullable<RunConfig['quantize']>, { method: 'pq' }> | undefined;
  /** Positions in model.weights of the quantized tensors, ascending. */
  quantizedIndices: number[];
  pq: PqTraining | null;
  resume: TrainingState | undefined;
  /** trainModel's `onState` for `input.onCheckpoint`: the state encoded as a checkpoint of this run. */
  onState: { onState?: (state: TrainingState) => Promise<void> };
  dataset: ReturnType<typeof loadDataset>;
  data: ReturnType<typeof selectRunData>;
  io: 'flat' | 'image';
  backend: string;
}

/**
 * The plan of a run of a model Distillery builds; refuses (RunConfigError, CheckpointError) a config, parent or
 * checkpoint that does not fit, before any training work.
 */
export function planRun(input: ExecuteRunInput, config: BuiltRunConfig, backend: string): RunPlan {
  // A model Distillery builds: trained, pruned and retrained, or (quantize-ptq) its parent's weights quantized.
  const parent = config.kind === 'teacher' ? undefined : parentOf(config, input.parent);
  const shape = datasetShape(config.dataset);
  const tensors = modelTensors(config.model, shape);
  const bits = runBits(config);
  const q = config.quantize;
  const uniform =
    q && q.method !== 'pq' ? { bits: q.bits, bucketSize: q.bucketSize, keepFloat: q.keepFloat } : undefined;
  const pqLayout = q?.method === 'pq' ? q : undefined;
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

  // A run on synthetic data trains on its synthesize run's data set; the training split is not part of it.
  const real = loadDataset(config.dataset, { dataRoots: input.dataRoots ?? [] });
  const synthetic = runSyntheticData(config);
  const { dataset, spec: dataSpec } = synthetic
    ? syntheticRunDataset(real, config.dataset, synthetic, input.synthetic)
    : { dataset: real, spec: config.dataset };
  const data = selectRunData(dataset, dataSpec);
  if (config.kind !== 'quantize-ptq' && data.train.indices.length === 0) {
    throw new RunConfigError(
      `no training rows left: limit.train ${config.dataset.limit?.train ?? 'none'} with validation ${config.dataset.validation ?? 0}`,
    );
  }
  return {
    config,
    parent,
    shape,
    tensors,
    bits,
    uniform,
    pqLayout,
    quantizedIndices,
    pq,
    resume,
    onState,
    dataset,
    data,
    io: inputLayout(config.model),
    backend,
  };
}

/** The parent artifact a child run needs; refused before any work when it is missing. */
export function parentOf(config: ChildRunConfig, parent: ModelArtifact | undefined): ModelArtifact {
  if (parent) return parent;
  const parentKind =
    config.kind === 'student' || config.kind === 'quantize-qat' ? "the teacher's" : "the trained student's";
  throw new RunConfigError(`a ${config.kind} run needs ${parentKind} artifact as parent`);
}

export async function loadParent(parent: ModelArtifact, tensors: TensorInfo[]): Promise<tf.LayersModel> {
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

export function checkWeights(model: tf.LayersModel, tensors: TensorInfo[]): void {
  const got = model.weights.map((w) => `${w.originalName} [${w.shape}]`).join(', ');
  const want = tensors.map((t) => `${t.name} [${t.shape}]`).join(', ');
  if (got !== want) throw new RunConfigError(`model weights (${got}) differ from packages/spec's list (${want})`);
}
