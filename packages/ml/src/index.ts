/**
 * packages/ml — TensorFlow.js: backends, data sets, models, activations (LMA, PReLU, Swish, APLU), knowledge
 * distillation, quantization and training. The worker's entry points are `initBackend` and `executeRun`.
 */
export { measureArtifactSize } from './artifact/artifact-size.ts';
export { loadModelArtifact, saveModelArtifact } from './artifact/model-artifact.ts';
export type { ArtifactFile, ModelArtifact } from './artifact/packed-artifact.ts';
export { BACKEND_ENV, type BackendName, initBackend } from './backend/init-backend.ts';
export { registerWasmKernels } from './backend/wasm-kernels.ts';
export {
  allowedLabels,
  allowedLabelTargets,
  argMaxRows,
  type Consistency,
  checkConsistency,
} from './crembo/allowed-labels.ts';
export { allowedLabelsLoss } from './crembo/allowed-labels-loss.ts';
export { BELIEF_ROUNDING, teacherBeliefs } from './crembo/beliefs.ts';
export {
  betterTraining,
  type CremboPlan,
  type CremboTraining,
  cremboPlan,
  cremboSelection,
} from './crembo/crembo-plan.ts';
export { depthGrid } from './crembo/depth-grid.ts';
export type { Dataset, DatasetSplit } from './data/dataset.ts';
export { DatasetCache, DEFAULT_DATASET_CACHE_BYTES, datasetBytes } from './data/dataset-cache.ts';
export { IDX_FILE_NAMES } from './data/idx-dataset.ts';
export { IDX_MAX_BYTES } from './data/idx-reader.ts';
export {
  clearDatasetCache,
  configureDatasetCache,
  type DatasetCacheOptions,
  type DatasetSource,
  datasetCacheUsage,
  type LoadDatasetOptions,
  loadDataset,
  useDatasetSource,
} from './data/load-dataset.ts';
export { isSharedDataset, shareDataset } from './data/shared-dataset.ts';
export {
  ArtifactError,
  CheckpointError,
  type CheckpointRefusal,
  DatasetError,
  MlError,
  type MlErrorCode,
  RunConfigError,
} from './errors.ts';
export { APLU, type APLUArgs, aplu } from './layers/aplu.ts';
export { ChannelPReLU, type ChannelPReLUArgs, channelPRelu } from './layers/channel-prelu.ts';
export { LMA, type LMAArgs, lma, lmaActivation } from './layers/lma.ts';
export { SmhConv2D, type SmhConv2DArgs, smhConv2d } from './layers/smh-conv2d.ts';
export { SmhDense, type SmhDenseArgs, smhDense } from './layers/smh-dense.ts';
export { SmhPool, type SmhPoolArgs, smhPool } from './layers/smh-pool.ts';
export { TrainableSwish, type TrainableSwishArgs, trainableSwish } from './layers/trainable-swish.ts';
export { buildModel } from './model/build-model.ts';
export { type ExecutePackOptions, executePack } from './pack/execute-pack.ts';
export { dequantizeBuckets, type QuantizedTensor, quantizeBuckets } from './quantize/bucket-quantize.ts';
export { type CremboFacts, type ExecuteRunInput, executeRun, type RunOutcome } from './run/execute-run.ts';
export { TRAINING_CHECKPOINTS, type TrainingCheckpoint } from './train/checkpoint.ts';
export { crossEntropy, type DistillSettings, kdLoss } from './train/kd-loss.ts';
export type { BatchPosition } from './train/train-model.ts';
