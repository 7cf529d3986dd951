import { type TensorInfo, tensorSize } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { ArtifactError } from '../errors.ts';
import '../layers/register-layers.ts';
import { gatherMasked, packBitmap } from '../prune/bitmap-pack.ts';
import type { QuantizedTensor } from '../quantize/bucket-quantize.ts';
import { packQuantized } from '../quantize/pack.ts';
import { type PqTensor, packPq } from '../quantize/pq-tensor.ts';
import {
  ARTIFACT_FORMAT,
  ARTIFACT_VERSION,
  decodeWeights,
  MODEL_JSON,
  type ModelArtifact,
  type ModelJson,
  type SurpSection,
  WEIGHTS_BIN,
  type WeightEntry,
} from './packed-artifact.ts';

export interface SaveOptions {
  /** The tensors the model must have (packages/spec `modelTensors`), in `model.weights` order. */
  tensors: TensorInfo[];
  /**
   * Packed codes of the quantized tensors, by position in `tensors` — of a pruned tensor (in `masks`), of its
   * nonzeros only — or a product-quantized kernel's codebook and assignments (never pruned).
   */
  quantized?: Map<number, QuantizedTensor | PqTensor>;
  /** The pruned tensors stored as a bitmap and their nonzeros, by position: 1 = stored. */
  masks?: Map<number, Uint8Array>;
  /** The SuRP stream that stores the tensors at `pool` (positions), decoded with `alpha`. */
  surp?: { pool: number[]; bytes: Uint8Array; alpha: number; nonzeros: number };
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
  const { surp } = options;
  const surpPool = new Set(surp?.pool ?? []);
  let section: SurpSection | null = null;
  specs.forEach((spec, i) => {
    const t = tensors[i] as TensorInfo;
    if (spec.name !== t.name || spec.shape.join('x') !== t.shape.join('x') || spec.dtype !== 'float32') {
      throw new ArtifactError(
        `weight #${i} is ${spec.name} [${spec.shape}] ${spec.dtype}, the spec expects ${t.name} [${t.shape}] float32`,
      );
    }
    const n = tensorSize(t);
    const q = options.quantized?.get(i);
    const mask = options.masks?.get(i);
    const dense = floats.subarray(readAt, readAt + n);
    readAt += n;
    if (surpPool.has(i)) {
      // The stream goes where the pool's first tensor would: byte ranges stay in tensor order.
      if (!surp) throw new ArtifactError('a SuRP pool without a stream');
      if (section === null) {
        section = {
          tensors: surp.pool.map((k) => (tensors[k] as TensorInfo).name),
          alpha: surp.alpha,
          nonzeros: surp.nonzeros,
          byteOffset: writeAt,
          byteLength: surp.bytes.length,
        };
        parts.push(surp.bytes);
        writeAt += surp.bytes.length;
      }
      entries.push({
        name: t.name,
        shape: t.shape,
        trainable: t.trainable,
        encoding: 'surp',
        byteOffset: writeAt,
        byteLength: 0,
      });
      return;
    }
    if (q && 'codebook' in q) {
      if (mask) throw new ArtifactError(`${t.name}: a product-quantized tensor cannot also be pruned`);
      if (q.layout.rows * q.layout.columns !== n) {
        throw new ArtifactError(
          `the PQ layout of ${t.name} covers ${q.layout.rows}×${q.layout.columns} values, not ${n}`,
        );
      }
      const bytes = packPq(q);
      entries.push({
        name: t.name,
        shape: t.shape,
        trainable: t.trainable,
        encoding: 'pq',
        bits: q.layout.bits,
        blockSize: q.layout.blockSize,
        centroids: q.layout.centroids,
        byteOffset: writeAt,
        byteLength: bytes.length,
      });
      parts.push(bytes);
      writeAt += bytes.length;
      return;
    }
    const stored = mask ? gatherMasked(dense, mask) : dense;
    let bytes: Uint8Array;
    if (q) {
      if (q.length !== stored.length) {
        throw new ArtifactError(`quantized codes of ${t.name} have ${q.length} values, not ${stored.length}`);
      }
      bytes = packQuantized(q);
    } else {
      bytes = new Uint8Array(stored.length * 4);
      const view = new DataView(bytes.buffer);
      for (let j = 0; j < stored.length; j++) view.setFloat32(j * 4, stored[j] as number, true);
    }
    if (mask) {
      if (mask.length !== n) throw new ArtifactError(`the mask of ${t.name} has ${mask.length} values, not ${n}`);
      const bitmap = packBitmap(mask);
      const joined = new Uint8Array(bitmap.length + bytes.length);
      joined.set(bitmap);
      joined.set(bytes, bitmap.length);
      bytes = joined;
    }
    const encoding = q ? 'uniform' : 'float32';
    entries.push({
      name: t.name,
      shape: t.shape,
      trainable: t.trainable,
      ...(mask ? { encoding: 'bitmap', values: encoding, nonzeros: stored.length } : { encoding }),
      ...(q ? { bits: q.bits, bucketSize: q.bucketSize } : {}),
      byteOffset: writeAt,
      byteLength: bytes.length,
    });
    parts.push(bytes);
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
    ...(section ? { surp: section } : {}),
    metadata: options.metadata ?? {},
  };
  return {
    files: [
      { name: MODEL_JSON, contentType: 'application/json', data: new TextEncoder().encode(JSON.stringify(json)) },
      { name: WEIGHTS_BIN, contentType: 'application/octet-stream', data: weights },
    ],
  };
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
