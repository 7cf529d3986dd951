import { ARTIFACT_FORMAT, type ArtifactFile, decodeWeights, type ModelArtifact } from './packed-artifact.ts';

/** The name of the standard model file in a tfjs-layers export. */
export const TFJS_MODEL_JSON = 'model.json';
/** The weights file that a tfjs-layers export's model.json names (its one weight group, one shard). */
export const TFJS_WEIGHTS_BIN = 'model.weights.bin';

/**
 * A stored run's model as a standard TensorFlow.js layers model — what `tf.loadLayersModel` reads: model.json
 * in the `layers-model` format (topology, one weight group naming `model.weights.bin`, the run's metadata under
 * `userDefinedMetadata`) and its weights as float32 little-endian values. Quantized tensors are dequantized
 * (offset + code·scale per bucket), which are the exact weights the run was evaluated with, so the model gives
 * the stored test accuracy. Custom layers (LMA, APLU, ChannelPReLU, TrainableSwish, and SmhPool, SmhDense,
 * SmhConv2D of a Structured Multi-Hashing model) resolve only where `@distillery/ml` has been imported, which
 * registers them with tfjs.
 */
export function exportTfjsLayersModel(artifact: ModelArtifact): ArtifactFile[] {
  const { json, values } = decodeWeights(artifact);
  const total = values.reduce((n, v) => n + v.length, 0);
  const weights = new Uint8Array(total * 4);
  const view = new DataView(weights.buffer);
  let at = 0;
  for (const tensor of values) {
    for (const v of tensor) {
      view.setFloat32(at, v, true);
      at += 4;
    }
  }
  const model = {
    format: 'layers-model',
    generatedBy: `${ARTIFACT_FORMAT} v${json.version}`,
    convertedBy: 'Distillery',
    modelTopology: json.modelTopology,
    weightsManifest: [
      {
        paths: [TFJS_WEIGHTS_BIN],
        weights: json.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })),
      },
    ],
    userDefinedMetadata: json.metadata,
  };
  return [
    { name: TFJS_MODEL_JSON, contentType: 'application/json', data: new TextEncoder().encode(JSON.stringify(model)) },
    { name: TFJS_WEIGHTS_BIN, contentType: 'application/octet-stream', data: weights },
  ];
}
