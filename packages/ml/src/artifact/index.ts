/**
 * `@distillery/ml/artifact` — reading stored model artifacts without TensorFlow.js: the packed format's
 * manifest and weights, the conversion to a standard tfjs-layers model, and a synthesize run's data set.
 */
export {
  ARTIFACT_FORMAT,
  ARTIFACT_VERSION,
  type ArtifactFile,
  decodeWeights,
  MODEL_JSON,
  type ModelArtifact,
  type ModelJson,
  readModelJson,
  WEIGHTS_BIN,
  type WeightEntry,
} from './packed-artifact.ts';
export {
  decodeSyntheticDataset,
  SYNTHETIC_FORMAT,
  SYNTHETIC_INPUTS,
  SYNTHETIC_JSON,
  SYNTHETIC_LABELS,
  type SyntheticDataset,
} from './synthetic-dataset.ts';
export { exportTfjsLayersModel, TFJS_MODEL_JSON, TFJS_WEIGHTS_BIN } from './tfjs-layers-export.ts';
