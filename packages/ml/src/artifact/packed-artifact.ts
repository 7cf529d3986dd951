import { tensorSize } from '@distillery/spec';
import { ArtifactError } from '../errors.ts';
import { dequantizeBuckets } from '../quantize/bucket-quantize.ts';
import { unpackQuantized } from '../quantize/pack.ts';

/**
 * The packed artifact a run stores: `model.json` (format `distillery-model` v1: the tfjs-layers topology, one
 * manifest entry per weight tensor with its encoding and byte range, run metadata) and `weights.bin` (the
 * tensors back to back: float32 little-endian, or a quantized tensor's code bit stream followed by its bucket
 * headers). Reading it needs no TensorFlow.js, so the API can serve and convert it without loading tfjs.
 */
export interface ArtifactFile {
  name: string;
  contentType: string;
  data: Uint8Array;
}
/** A saved model: model.json (topology + weight manifest + run metadata) and weights.bin (packed weights). */
export interface ModelArtifact {
  files: ArtifactFile[];
}

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const ARTIFACT_FORMAT = 'distillery-model';
export const ARTIFACT_VERSION = 1;

/** One tensor's entry in model.json: where its bytes are in weights.bin and how they are encoded. */
export interface WeightEntry {
  name: string;
  shape: number[];
  trainable: boolean;
  /** float32: raw little-endian values; uniform: packed codes + per-bucket scale/offset (see pack.ts). */
  encoding: 'float32' | 'uniform';
  bits?: number;
  bucketSize?: number;
  byteOffset: number;
  byteLength: number;
}

export interface ModelJson {
  format: typeof ARTIFACT_FORMAT;
  version: number;
  /** tfjs-layers topology as `model.save` gives it (config keys snake_cased). */
  modelTopology: object;
  weights: WeightEntry[];
  /** Length of weights.bin. */
  weightBytes: number;
  /** What produced the model (run config, backend, data provenance); informative. */
  metadata: Record<string, unknown>;
}

/** model.json of an artifact, validated. */
export function readModelJson(artifact: ModelArtifact): ModelJson {
  const file = artifact.files.find((f) => f.name === MODEL_JSON);
  if (!file)
    throw new ArtifactError(
      `the artifact has no ${MODEL_JSON} (files: ${artifact.files.map((f) => f.name).join(', ')})`,
    );
  let json: ModelJson;
  try {
    json = JSON.parse(new TextDecoder().decode(file.data)) as ModelJson;
  } catch (e) {
    throw new ArtifactError(`${MODEL_JSON} is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (json?.format !== ARTIFACT_FORMAT || json.version !== ARTIFACT_VERSION || !Array.isArray(json.weights)) {
    throw new ArtifactError(`${MODEL_JSON} is not a ${ARTIFACT_FORMAT} v${ARTIFACT_VERSION} manifest`);
  }
  return json;
}

/** The weights of an artifact, decoded to float32 (dequantized), with their manifest entries. */
export function decodeWeights(artifact: ModelArtifact): { json: ModelJson; values: Float32Array[] } {
  const json = readModelJson(artifact);
  const bin = artifact.files.find((f) => f.name === WEIGHTS_BIN);
  if (!bin) throw new ArtifactError(`the artifact has no ${WEIGHTS_BIN}`);
  if (bin.data.length !== json.weightBytes) {
    throw new ArtifactError(`${WEIGHTS_BIN} has ${bin.data.length} bytes, ${MODEL_JSON} says ${json.weightBytes}`);
  }
  const values = json.weights.map((w) => {
    const n = tensorSize(w);
    if (w.byteOffset < 0 || w.byteOffset + w.byteLength > bin.data.length) {
      throw new ArtifactError(`weight ${w.name} lies outside ${WEIGHTS_BIN}`);
    }
    const bytes = bin.data.subarray(w.byteOffset, w.byteOffset + w.byteLength);
    if (w.encoding === 'float32') {
      if (bytes.length !== n * 4) throw new ArtifactError(`weight ${w.name}: ${bytes.length} bytes for ${n} floats`);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return Float32Array.from({ length: n }, (_, i) => view.getFloat32(i * 4, true));
    }
    if (w.encoding === 'uniform' && w.bits !== undefined && w.bucketSize !== undefined) {
      try {
        return dequantizeBuckets(unpackQuantized(bytes, n, w.bits, w.bucketSize));
      } catch (e) {
        throw new ArtifactError(`weight ${w.name}: ${(e as Error).message}`, { cause: e });
      }
    }
    throw new ArtifactError(`weight ${w.name}: unknown encoding '${w.encoding}'`);
  });
  return { json, values };
}
