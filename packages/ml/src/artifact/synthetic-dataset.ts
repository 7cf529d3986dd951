import { SYNTHETIC_LABEL_BYTES, type SyntheticData } from '@distillery/spec';
import { ArtifactError } from '../errors.ts';
import type { ArtifactFile } from './packed-artifact.ts';

/**
 * A synthesize run's artifact, read without TensorFlow.js like a model's: `dataset.json` (format, shape, classes,
 * what made it) and the payload — `inputs.bin`, one byte per input value (the value × 255, rounded; rows in the
 * data set's HWC order) and `labels.bin`, one little-endian uint16 per sample. The payload's length is
 * packages/spec's `syntheticDataBytes` exactly.
 */
export const SYNTHETIC_JSON = 'dataset.json';
export const SYNTHETIC_INPUTS = 'inputs.bin';
export const SYNTHETIC_LABELS = 'labels.bin';
export const SYNTHETIC_FORMAT = 'distillery-synthetic-dataset';
export const SYNTHETIC_VERSION = 1;

export interface SyntheticDataset {
  shape: [number, number, number];
  classes: number;
  data: SyntheticData;
  /** samples × features pixels, 0–255. */
  inputs: Uint8Array;
  labels: Uint16Array;
  /** Anything else the run recorded (its losses, the label histogram, the teacher's digest). */
  metadata: Record<string, unknown>;
}

interface SyntheticJson {
  format: typeof SYNTHETIC_FORMAT;
  version: typeof SYNTHETIC_VERSION;
  shape: [number, number, number];
  classes: number;
  data: SyntheticData;
  metadata: Record<string, unknown>;
}

export function encodeSyntheticDataset(d: SyntheticDataset): ArtifactFile[] {
  const json: SyntheticJson = {
    format: SYNTHETIC_FORMAT,
    version: SYNTHETIC_VERSION,
    shape: d.shape,
    classes: d.classes,
    data: d.data,
    metadata: d.metadata,
  };
  return [
    { name: SYNTHETIC_JSON, contentType: 'application/json', data: new TextEncoder().encode(JSON.stringify(json)) },
    { name: SYNTHETIC_INPUTS, contentType: 'application/octet-stream', data: d.inputs },
    { name: SYNTHETIC_LABELS, contentType: 'application/octet-stream', data: uint16Bytes(d.labels) },
  ];
}

/** Reads a synthesize run's artifact back; anything that does not add up is an ArtifactError. */
export function decodeSyntheticDataset(files: readonly ArtifactFile[]): SyntheticDataset {
  const file = (name: string) => {
    const f = files.find((x) => x.name === name);
    if (!f) throw new ArtifactError(`a synthetic data set needs ${name}; got ${files.map((x) => x.name).join(', ')}`);
    return f.data;
  };
  let json: SyntheticJson;
  try {
    json = JSON.parse(new TextDecoder().decode(file(SYNTHETIC_JSON))) as SyntheticJson;
  } catch (cause) {
    throw new ArtifactError(`${SYNTHETIC_JSON} is not JSON`, { cause });
  }
  if (json.format !== SYNTHETIC_FORMAT || json.version !== SYNTHETIC_VERSION) {
    throw new ArtifactError(`${SYNTHETIC_JSON} is not a ${SYNTHETIC_FORMAT} v${SYNTHETIC_VERSION}`);
  }
  const features = json.shape[0] * json.shape[1] * json.shape[2];
  const inputs = file(SYNTHETIC_INPUTS);
  const labelBytes = file(SYNTHETIC_LABELS);
  const { samples } = json.data;
  if (inputs.length !== samples * features || labelBytes.length !== samples * SYNTHETIC_LABEL_BYTES) {
    throw new ArtifactError(
      `${samples} samples of ${features} values need ${samples * features} + ${samples * SYNTHETIC_LABEL_BYTES} bytes, ` +
        `got ${inputs.length} + ${labelBytes.length}`,
    );
  }
  const labels = readUint16(labelBytes);
  for (const label of labels) {
    if (label >= json.classes) throw new ArtifactError(`label ${label} outside the ${json.classes} classes`);
  }
  return { shape: json.shape, classes: json.classes, data: json.data, inputs, labels, metadata: json.metadata };
}

export function uint16Bytes(values: Uint16Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(i * 2, values[i] as number, true);
  return out;
}

export function readUint16(bytes: Uint8Array): Uint16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint16Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint16(i * 2, true);
  return out;
}
