import {
  bitmapBytes,
  type PqTensorLayout,
  pqDivides,
  pqTensorLayout,
  type SparseSupport,
  tensorSize,
} from '@distillery/spec';
import { ArtifactError } from '../errors.ts';
import { scatterMasked, unpackBitmap } from '../prune/bitmap-pack.ts';
import { decodeSurp } from '../prune/surp.ts';
import { dequantizeBuckets } from '../quantize/bucket-quantize.ts';
import { unpackQuantized } from '../quantize/pack.ts';
import { dequantizePq, unpackPq } from '../quantize/pq-tensor.ts';

/**
 * The packed artifact a run stores: `model.json` (format `distillery-model` v1: the tfjs-layers topology, one
 * manifest entry per weight tensor with its encoding and byte range, run metadata) and `weights.bin` (the
 * tensors back to back: float32 little-endian, or a quantized tensor's code bit stream followed by its bucket
 * headers; a pruned tensor as a bitmap of its nonzeros followed by them, float32 or quantized; a SuRP-pruned
 * model's weight matrices as one SuRP stream, at the place of the first of them; a product-quantized kernel as its
 * assignment bit stream followed by its float16 codebook). Reading it needs no
 * TensorFlow.js, so the API can serve and convert it without loading tfjs.
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
  /**
   * float32: raw little-endian values; uniform: packed codes + per-bucket scale/offset (see pack.ts); bitmap: a
   * bitmap of the stored values (bitmap-pack.ts), then those `nonzeros` values in `values` encoding; surp: in
   * the model's SuRP stream (`ModelJson.surp`), no bytes of its own; pq: a product-quantized kernel's packed
   * centroid assignments then its float16 codebook (see pq-tensor.ts).
   */
  encoding: 'float32' | 'uniform' | 'bitmap' | 'surp' | 'pq';
  /** The nonzeros' encoding of a bitmap tensor. */
  values?: 'float32' | 'uniform';
  /** Stored values of a bitmap tensor. */
  nonzeros?: number;
  /** uniform: bits per code; pq: bits per assignment (log2 of its centroids, rounded up). */
  bits?: number;
  bucketSize?: number;
  /** pq: values per block. */
  blockSize?: number;
  /** pq: codebook entries of this tensor. */
  centroids?: number;
  byteOffset: number;
  byteLength: number;
}

/** Where a SuRP-pruned model's stream lies and what decodes it. */
export interface SurpSection {
  /** The pool's tensors (their entries have encoding `surp`), in stream order. */
  tensors: string[];
  alpha: number;
  /** Nonzeros the stream decodes to. */
  nonzeros: number;
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
  /** A SuRP-pruned model's stream; absent otherwise. */
  surp?: SurpSection;
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

/** The block layout of a pq entry, refusing one whose block size does not divide its rows. */
export function pqEntryLayout(w: WeightEntry): PqTensorLayout {
  const blockSize = w.blockSize as number;
  if (!Number.isInteger(blockSize) || blockSize < 1 || !pqDivides(w.shape, blockSize)) {
    throw new ArtifactError(`weight ${w.name}: block size ${blockSize} does not divide the rows of [${w.shape}]`);
  }
  const layout = pqTensorLayout(w.shape, blockSize, w.centroids as number);
  if (layout.centroids !== w.centroids || !Number.isInteger(layout.centroids) || layout.centroids < 1) {
    throw new ArtifactError(`weight ${w.name}: ${w.centroids} centroids for ${layout.blocks} blocks`);
  }
  return layout;
}

/** The weights of an artifact, decoded to float32 (dequantized), with their manifest entries. */
export function decodeWeights(artifact: ModelArtifact): { json: ModelJson; values: Float32Array[] } {
  const json = readModelJson(artifact);
  const bin = artifact.files.find((f) => f.name === WEIGHTS_BIN);
  if (!bin) throw new ArtifactError(`the artifact has no ${WEIGHTS_BIN}`);
  if (bin.data.length !== json.weightBytes) {
    throw new ArtifactError(`${WEIGHTS_BIN} has ${bin.data.length} bytes, ${MODEL_JSON} says ${json.weightBytes}`);
  }
  const slice = (name: string, byteOffset: number, byteLength: number) => {
    if (byteOffset < 0 || byteLength < 0 || byteOffset + byteLength > bin.data.length) {
      throw new ArtifactError(`weight ${name} lies outside ${WEIGHTS_BIN}`);
    }
    return bin.data.subarray(byteOffset, byteOffset + byteLength);
  };
  const surp = json.surp ? decodeSurpSection(json, slice) : new Map<string, Float32Array>();
  const values = json.weights.map((w) => {
    const n = tensorSize(w);
    const bytes = slice(w.name, w.byteOffset, w.byteLength);
    try {
      switch (w.encoding) {
        case 'float32':
          return decodeFloats(bytes, n, w.name);
        case 'uniform':
          if (w.bits === undefined || w.bucketSize === undefined) break;
          return dequantizeBuckets(unpackQuantized(bytes, n, w.bits, w.bucketSize));
        case 'bitmap': {
          const nonzeros = w.nonzeros ?? -1;
          if (nonzeros < 0 || nonzeros > n) break;
          const maskBytes = bitmapBytes(n);
          const mask = unpackBitmap(bytes.subarray(0, Math.min(maskBytes, bytes.length)), n);
          const rest = bytes.subarray(maskBytes);
          if (w.values === 'float32') return scatterMasked(decodeFloats(rest, nonzeros, w.name), mask);
          if (w.values === 'uniform' && w.bits !== undefined && w.bucketSize !== undefined) {
            return scatterMasked(dequantizeBuckets(unpackQuantized(rest, nonzeros, w.bits, w.bucketSize)), mask);
          }
          break;
        }
        case 'surp': {
          const v = surp.get(w.name);
          if (v && w.byteLength === 0) return v;
          break;
        }
        case 'pq':
          if (w.blockSize === undefined || w.centroids === undefined) break;
          return dequantizePq(unpackPq(bytes, pqEntryLayout(w)));
      }
    } catch (e) {
      if (e instanceof ArtifactError) throw e;
      throw new ArtifactError(`weight ${w.name}: ${(e as Error).message}`, { cause: e });
    }
    throw new ArtifactError(`weight ${w.name}: unknown or incomplete encoding '${w.encoding}'`);
  });
  return { json, values };
}

function decodeFloats(bytes: Uint8Array, n: number, name: string): Float32Array {
  if (bytes.length !== n * 4) throw new ArtifactError(`weight ${name}: ${bytes.length} bytes for ${n} floats`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: n }, (_, i) => view.getFloat32(i * 4, true));
}

function decodeSurpSection(
  json: ModelJson,
  slice: (name: string, byteOffset: number, byteLength: number) => Uint8Array,
): Map<string, Float32Array> {
  const section = json.surp as SurpSection;
  const entries = section.tensors.map((name) => {
    const w = json.weights.find((e) => e.name === name && e.encoding === 'surp');
    if (!w) throw new ArtifactError(`the SuRP stream names ${name}, which is not a surp-encoded weight`);
    return w;
  });
  let values: Float32Array[];
  try {
    values = decodeSurp(
      slice('surp stream', section.byteOffset, section.byteLength),
      entries.map((w) => tensorSize(w)),
      section.alpha,
    );
  } catch (e) {
    throw new ArtifactError(`the SuRP stream: ${(e as Error).message}`, { cause: e });
  }
  return new Map(entries.map((w, k) => [w.name, values[k] as Float32Array]));
}

/**
 * What the pruning of an artifact kept (its nonzeros by tensor position, or its SuRP stream), from the
 * manifest alone; null for an artifact without pruned tensors.
 */
export function artifactSupport(json: ModelJson): SparseSupport | null {
  if (json.surp) {
    const names = new Map(json.weights.map((w, i) => [w.name, i]));
    return {
      layout: 'surp',
      pool: json.surp.tensors.map((n) => names.get(n) ?? -1),
      nonzeros: json.surp.nonzeros,
      streamBytes: json.surp.byteLength,
    };
  }
  const nonzeros = new Map<number, number>();
  json.weights.forEach((w, i) => {
    if (w.encoding === 'bitmap') nonzeros.set(i, w.nonzeros ?? 0);
  });
  return nonzeros.size > 0 ? { layout: 'bitmap', nonzeros } : null;
}

/**
 * The pruning masks (1 = stored) of an artifact's pruned tensors, by position: a bitmap tensor's bitmap, and for
 * a SuRP pool tensor its decoded nonzeros. Empty for an artifact without pruned tensors.
 */
export function artifactMasks(artifact: ModelArtifact): Map<number, Uint8Array> {
  const { json, values } = decodeWeights(artifact);
  const bin = artifact.files.find((f) => f.name === WEIGHTS_BIN) as ArtifactFile;
  const out = new Map<number, Uint8Array>();
  json.weights.forEach((w, i) => {
    if (w.encoding === 'bitmap') {
      out.set(
        i,
        unpackBitmap(bin.data.subarray(w.byteOffset, w.byteOffset + bitmapBytes(tensorSize(w))), tensorSize(w)),
      );
    } else if (w.encoding === 'surp') {
      out.set(
        i,
        Uint8Array.from(values[i] as Float32Array, (v) => (v !== 0 ? 1 : 0)),
      );
    }
  });
  return out;
}
