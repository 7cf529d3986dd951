import { type TensorInfo, tensorSize } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { ArtifactError } from '../errors.ts';
import '../layers/register-layers.ts';
import { dequantizeBuckets, type QuantizedTensor } from '../quantize/bucket-quantize.ts';
import { packQuantized, unpackQuantized } from '../quantize/pack.ts';

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

export interface SaveOptions {
  /** The tensors the model must have (packages/spec `modelTensors`), in `model.weights` order. */
  tensors: TensorInfo[];
  /** Packed codes of the quantized tensors, by position in `tensors`. */
  quantized?: Map<number, QuantizedTensor>;
  metadata?: Record<string, unknown>;
}

/**
 * Saves a model through a tfjs IOHandler (`tf.io.withSaveHandler`): the topology goes to model.json, the float32
 * weights tfjs hands over are re-encoded into weights.bin — float32 for unquantized tensors, the packed codes
 * for quantized ones — so weights.bin's length is the measured size that packages/spec's `modelBytes` predicts.
 */
export async function saveModelArtifact(model: tf.LayersModel, options: SaveOptions): Promise<ModelArtifact> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const artifacts = saved as tf.io.ModelArtifacts | null;
  if (!artifacts?.weightSpecs || !artifacts.weightData || !artifacts.modelTopology) {
    throw new ArtifactError('tfjs did not hand over a topology and weights');
  }
  const specs = artifacts.weightSpecs;
  const { tensors } = options;
  if (specs.length !== tensors.length) {
    throw new ArtifactError(`the model has ${specs.length} weight tensors, the spec lists ${tensors.length}`);
  }
  const floats = new Float32Array(joinBuffers(artifacts.weightData));
  const parts: Uint8Array[] = [];
  const entries: WeightEntry[] = [];
  let readAt = 0;
  let writeAt = 0;
  specs.forEach((spec, i) => {
    const t = tensors[i] as TensorInfo;
    if (spec.name !== t.name || spec.shape.join('x') !== t.shape.join('x') || spec.dtype !== 'float32') {
      throw new ArtifactError(
        `weight #${i} is ${spec.name} [${spec.shape}] ${spec.dtype}, the spec expects ${t.name} [${t.shape}] float32`,
      );
    }
    const n = tensorSize(t);
    const q = options.quantized?.get(i);
    let bytes: Uint8Array;
    if (q) {
      if (q.length !== n) throw new ArtifactError(`quantized codes of ${t.name} have ${q.length} values, not ${n}`);
      bytes = packQuantized(q);
    } else {
      bytes = new Uint8Array(n * 4);
      const view = new DataView(bytes.buffer);
      for (let j = 0; j < n; j++) view.setFloat32(j * 4, floats[readAt + j] as number, true);
    }
    entries.push({
      name: t.name,
      shape: t.shape,
      trainable: t.trainable,
      encoding: q ? 'uniform' : 'float32',
      ...(q ? { bits: q.bits, bucketSize: q.bucketSize } : {}),
      byteOffset: writeAt,
      byteLength: bytes.length,
    });
    parts.push(bytes);
    readAt += n;
    writeAt += bytes.length;
  });
  const weights = new Uint8Array(writeAt);
  let at = 0;
  for (const p of parts) {
    weights.set(p, at);
    at += p.length;
  }
  const json: ModelJson = {
    format: ARTIFACT_FORMAT,
    version: ARTIFACT_VERSION,
    modelTopology: artifacts.modelTopology as object,
    weights: entries,
    weightBytes: weights.length,
    metadata: options.metadata ?? {},
  };
  return {
    files: [
      { name: MODEL_JSON, contentType: 'application/json', data: new TextEncoder().encode(JSON.stringify(json)) },
      { name: WEIGHTS_BIN, contentType: 'application/octet-stream', data: weights },
    ],
  };
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

/** Rebuilds the model of an artifact (in any process: the custom layers register on import). */
export async function loadModelArtifact(artifact: ModelArtifact): Promise<tf.LayersModel> {
  const { json, values } = decodeWeights(artifact);
  const total = values.reduce((n, v) => n + v.length, 0);
  const data = new Float32Array(total);
  let at = 0;
  for (const v of values) {
    data.set(v, at);
    at += v.length;
  }
  const weightSpecs = json.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' as const }));
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: data.buffer }),
  );
}

function joinBuffers(data: ArrayBuffer | ArrayBuffer[]): ArrayBuffer {
  if (!Array.isArray(data)) return data;
  const total = data.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out.buffer;
}
