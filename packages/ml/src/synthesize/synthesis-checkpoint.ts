import { canonicalJson } from '@distillery/spec';
import type { ArtifactFile } from '../artifact/packed-artifact.ts';
import { readUint16, uint16Bytes } from '../artifact/synthetic-dataset.ts';
import { CheckpointError } from '../errors.ts';
import type { CheckpointIdentity, TrainingCheckpoint } from '../train/checkpoint.ts';
import type { SynthesisState } from './synthesize-inputs.ts';

/**
 * A synthesize run's checkpoint after `batches` batches (its "epochs"): `synthesis.json` (identity, losses,
 * hits) and the finished rows' bytes and labels. Small next to the data set itself, and enough to continue to
 * the bit-identical result: each batch starts from its own seed.
 */
const JSON_FILE = 'synthesis.json';
const INPUTS_FILE = 'inputs.bin';
const LABELS_FILE = 'labels.bin';
const FORMAT = 'distillery-synthesis-checkpoint';

interface SynthesisJson {
  format: typeof FORMAT;
  identity: string;
  batches: number;
  rows: number;
  losses: number[];
  hits: number;
}

function identityText(identity: CheckpointIdentity): string {
  return canonicalJson({ config: identity.config, parent: identity.parent, backend: identity.backend });
}

export function encodeSynthesisCheckpoint(
  state: SynthesisState,
  rows: number,
  features: number,
  identity: CheckpointIdentity,
): TrainingCheckpoint {
  const json: SynthesisJson = {
    format: FORMAT,
    identity: identityText(identity),
    batches: state.batches,
    rows,
    losses: state.losses,
    hits: state.hits,
  };
  const files: ArtifactFile[] = [
    { name: JSON_FILE, contentType: 'application/json', data: new TextEncoder().encode(JSON.stringify(json)) },
    { name: INPUTS_FILE, contentType: 'application/octet-stream', data: state.inputs.slice(0, rows * features) },
    { name: LABELS_FILE, contentType: 'application/octet-stream', data: uint16Bytes(state.labels.subarray(0, rows)) },
  ];
  return { epoch: state.batches, files };
}

/** The state to continue from; a checkpoint of another config, teacher or backend is refused. */
export function decodeSynthesisCheckpoint(
  checkpoint: TrainingCheckpoint,
  identity: CheckpointIdentity,
  samples: number,
  features: number,
): SynthesisState {
  const file = (name: string) => {
    const f = checkpoint.files.find((x) => x.name === name);
    if (!f) throw new CheckpointError('format', `a synthesis checkpoint needs ${name}`);
    return f.data;
  };
  let json: SynthesisJson;
  try {
    json = JSON.parse(new TextDecoder().decode(file(JSON_FILE))) as SynthesisJson;
  } catch {
    throw new CheckpointError('format', `${JSON_FILE} is not JSON`);
  }
  if (json.format !== FORMAT) throw new CheckpointError('format', `${JSON_FILE} is not a ${FORMAT}`);
  if (json.identity !== identityText(identity)) {
    throw new CheckpointError('config', 'the checkpoint was written by another synthesis (config, teacher or backend)');
  }
  if (json.batches !== checkpoint.epoch) {
    throw new CheckpointError('epoch', `the checkpoint says ${json.batches} batches, its epoch ${checkpoint.epoch}`);
  }
  const inputs = file(INPUTS_FILE);
  const labels = file(LABELS_FILE);
  if (inputs.length !== json.rows * features || labels.length !== json.rows * 2 || json.rows > samples) {
    throw new CheckpointError('format', `the checkpoint's ${json.rows} rows do not match its files`);
  }
  const state: SynthesisState = {
    batches: json.batches,
    inputs: new Uint8Array(samples * features),
    labels: new Uint16Array(samples),
    losses: json.losses,
    hits: json.hits,
  };
  state.inputs.set(inputs);
  state.labels.set(readUint16(labels));
  return state;
}
