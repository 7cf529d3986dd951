import { createHash } from 'node:crypto';
import { canonicalJson, type RunConfig, runEpochs } from '@distillery/spec';
import type { ArtifactFile } from '../artifact/packed-artifact.ts';
import type { CremboTraining } from '../crembo/crembo-plan.ts';
import type { CremboState } from '../crembo/crembo-search.ts';
import { CheckpointError } from '../errors.ts';
import type { ScheduleState } from './schedule.ts';

/** packages/ml checkpoints every epoch and resumes from a checkpoint (`ExecuteRunInput.resumeFrom`). */
export const TRAINING_CHECKPOINTS = true as const;

/**
 * A training run's state after `epoch` completed epochs, as files a worker stores anywhere:
 * `checkpoint.json` (identity of the run, RNG, schedule and optimizer counters, tensor manifest) and
 * `state.bin` (float32 little-endian: every model weight — trainable or not: BatchNorm and LMA running
 * statistics too — then, during iPQ fine-tuning, each kernel's centroid assignments, then the optimizer's slots:
 * Adam's moments or SGD's momentum buffers).
 */
export interface TrainingCheckpoint {
  /** Epochs completed. */
  epoch: number;
  files: ArtifactFile[];
}

/** Everything the training loop needs to continue after `epoch` exactly as if it had never stopped. */
export interface TrainingState {
  epoch: number;
  /** State of the shuffling generator after `epoch` epochs. */
  shuffle: number;
  schedule: ScheduleState;
  optimizer: { steps: number; slots: Float32Array[][] };
  /** `model.weights` in order (names are their `originalName`). */
  weights: NamedValues[];
  /** iPQ fine-tuning: each product-quantized kernel's centroid assignments (in the PQ settings' order). */
  pqAssignments?: Uint32Array[];
  /** The epoch's metrics, informative (not used on resume). */
  metrics?: Record<string, number | null>;
  /** A prune run's masks (1 = kept) of its pruned weights, named after them; absent for other runs. */
  masks?: NamedValues[];
  /** A CREMBO run's search so far (the trainings judged before this one, its candidates' weights). */
  crembo?: CremboState;
}

export interface NamedValues {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** What a checkpoint must have been written by to be resumed: the same run config, parent and backend. */
export interface CheckpointIdentity {
  config: RunConfig;
  /** sha256 of the parent artifact's files (see `artifactDigest`), null for a teacher. */
  parent: string | null;
  backend: string;
}

export const CHECKPOINT_JSON = 'checkpoint.json';
export const CHECKPOINT_BIN = 'state.bin';
export const CHECKPOINT_FORMAT = 'distillery-checkpoint';
export const CHECKPOINT_VERSION = 1;
const MASK_PREFIX = 'mask/';
/** Names of the iPQ assignment lists in state.bin: `pq/<k>/assignments`. */
const PQ_PREFIX = 'pq/';
/** Names of a CREMBO run's candidate weights in state.bin: `crembo/memo/<weight>`, `crembo/other/<weight>`. */
const CREMBO_PREFIX = 'crembo/';

interface CheckpointJson {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  epoch: number;
  config: RunConfig;
  parent: string | null;
  backend: string;
  shuffle: number;
  /** Numbers that may be ±∞ or NaN are written as strings (JSON has no such numbers). */
  schedule: { rate: number | string; best: number | string; stale: number };
  optimizer: { steps: number; slots: number };
  tensors: Array<{ name: string; shape: number[]; byteOffset: number; byteLength: number }>;
  bytes: number;
  metrics?: Record<string, number | string | null>;
  /** A CREMBO run's judged trainings (its candidates' weights are in state.bin). */
  crembo?: { trainings: CremboTraining[] };
}

/** sha256 over an artifact's files (name, length and bytes of each, in name order). */
export function artifactDigest(files: ArtifactFile[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    hash.update(`${f.name}\n${f.data.length}\n`);
    hash.update(f.data);
  }
  return hash.digest('hex');
}

/** Serializes a training state as checkpoint files (fresh buffers: the caller may keep them). */
export function encodeCheckpoint(state: TrainingState, identity: CheckpointIdentity): TrainingCheckpoint {
  const slotNames = slotLabels(identity.config, state.optimizer.slots.length);
  const named: NamedValues[] = [...state.weights];
  for (const m of state.masks ?? []) named.push({ ...m, name: `${MASK_PREFIX}${m.name}` });
  // Assignments are integers below 2^16, exact in float32.
  (state.pqAssignments ?? []).forEach((a, k) => {
    named.push({ name: `${PQ_PREFIX}${k}/assignments`, shape: [a.length], values: Float32Array.from(a) });
  });
  for (const slot of ['memo', 'other'] as const) {
    for (const w of state.crembo?.[slot] ?? []) named.push({ ...w, name: `${CREMBO_PREFIX}${slot}/${w.name}` });
  }
  state.optimizer.slots.forEach((slot, s) => {
    slot.forEach((values, i) => {
      named.push({ name: `optimizer/${slotNames[s]}/${i}`, shape: [values.length], values });
    });
  });
  const total = named.reduce((n, t) => n + t.values.length * 4, 0);
  const bin = new Uint8Array(total);
  const view = new DataView(bin.buffer);
  const tensors: CheckpointJson['tensors'] = [];
  let at = 0;
  for (const t of named) {
    tensors.push({ name: t.name, shape: t.shape, byteOffset: at, byteLength: t.values.length * 4 });
    for (let j = 0; j < t.values.length; j++) view.setFloat32(at + j * 4, t.values[j] as number, true);
    at += t.values.length * 4;
  }
  const json: CheckpointJson = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    epoch: state.epoch,
    config: identity.config,
    parent: identity.parent,
    backend: identity.backend,
    shuffle: state.shuffle,
    schedule: {
      rate: encodeNumber(state.schedule.rate),
      best: encodeNumber(state.schedule.best),
      stale: state.schedule.stale,
    },
    optimizer: { steps: state.optimizer.steps, slots: state.optimizer.slots.length },
    tensors,
    bytes: total,
    ...(state.crembo ? { crembo: { trainings: state.crembo.trainings } } : {}),
    ...(state.metrics
      ? {
          metrics: Object.fromEntries(
            Object.entries(state.metrics).map(([k, v]) => [k, v === null ? null : encodeNumber(v)]),
          ),
        }
      : {}),
  };
  return {
    epoch: state.epoch,
    files: [
      { name: CHECKPOINT_JSON, contentType: 'application/json', data: new TextEncoder().encode(JSON.stringify(json)) },
      { name: CHECKPOINT_BIN, contentType: 'application/octet-stream', data: bin },
    ],
  };
}

/**
 * Reads a checkpoint back, refusing (CheckpointError) one that is malformed, was written for another run
 * config, parent or backend, or whose epoch is not within 0…epochs. Model weights are returned by name for the
 * caller to match against its model.
 */
export function decodeCheckpoint(checkpoint: TrainingCheckpoint, identity: CheckpointIdentity): TrainingState {
  const jsonFile = checkpoint.files.find((f) => f.name === CHECKPOINT_JSON);
  const binFile = checkpoint.files.find((f) => f.name === CHECKPOINT_BIN);
  if (!jsonFile || !binFile) {
    throw new CheckpointError(
      'format',
      `a checkpoint needs ${CHECKPOINT_JSON} and ${CHECKPOINT_BIN}, got: ${checkpoint.files.map((f) => f.name).join(', ') || 'no files'}`,
    );
  }
  let json: CheckpointJson;
  try {
    json = JSON.parse(new TextDecoder().decode(jsonFile.data)) as CheckpointJson;
  } catch (e) {
    throw new CheckpointError('format', `${CHECKPOINT_JSON} is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (json?.format !== CHECKPOINT_FORMAT || json.version !== CHECKPOINT_VERSION || !Array.isArray(json.tensors)) {
    throw new CheckpointError('format', `${CHECKPOINT_JSON} is not a ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION} file`);
  }
  const differences = diffPaths(json.config, identity.config);
  if (differences.length > 0) {
    throw new CheckpointError(
      'config',
      `the checkpoint was written by a run with a different config (differs at ${differences.slice(0, 8).join(', ')}${differences.length > 8 ? ', …' : ''})`,
    );
  }
  if (json.parent !== identity.parent) {
    throw new CheckpointError(
      'parent',
      `the checkpoint was trained against a different parent artifact (sha256 ${json.parent ?? 'none'}, this run's is ${identity.parent ?? 'none'})`,
    );
  }
  if (json.backend !== identity.backend) {
    throw new CheckpointError(
      'backend',
      `the checkpoint was written on the ${json.backend} backend, this process runs ${identity.backend}: resuming would not reproduce the uninterrupted run`,
    );
  }
  const epochs = runEpochs(identity.config);
  if (!Number.isInteger(json.epoch) || json.epoch < 0 || json.epoch > epochs || json.epoch !== checkpoint.epoch) {
    throw new CheckpointError(
      'epoch',
      `checkpoint epoch ${checkpoint.epoch} (file says ${json.epoch}) is not a completed epoch of a ${epochs}-epoch run`,
    );
  }
  if (binFile.data.length !== json.bytes) {
    throw new CheckpointError(
      'format',
      `${CHECKPOINT_BIN} has ${binFile.data.length} bytes, ${CHECKPOINT_JSON} says ${json.bytes}`,
    );
  }
  if (!Number.isInteger(json.shuffle) || json.shuffle < 0 || json.shuffle > 0xffffffff) {
    throw new CheckpointError('format', `${CHECKPOINT_JSON}: shuffle state ${json.shuffle} is not a uint32`);
  }
  const view = new DataView(binFile.data.buffer, binFile.data.byteOffset, binFile.data.byteLength);
  const named = json.tensors.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.byteLength !== n * 4 || t.byteOffset < 0 || t.byteOffset + t.byteLength > binFile.data.length) {
      throw new CheckpointError(
        'format',
        `${CHECKPOINT_JSON}: tensor ${t.name} [${t.shape}] does not fit ${CHECKPOINT_BIN}`,
      );
    }
    const values = new Float32Array(n);
    for (let j = 0; j < n; j++) values[j] = view.getFloat32(t.byteOffset + j * 4, true);
    return { name: t.name, shape: t.shape, values };
  });
  const slotNames = slotLabels(identity.config, json.optimizer.slots);
  const weights = named.filter(
    (t) =>
      !t.name.startsWith('optimizer/') &&
      !t.name.startsWith(MASK_PREFIX) &&
      !t.name.startsWith(PQ_PREFIX) &&
      !t.name.startsWith(CREMBO_PREFIX),
  );
  const cremboSlot = (slot: 'memo' | 'other'): NamedValues[] | null => {
    const prefix = `${CREMBO_PREFIX}${slot}/`;
    const found = named
      .filter((t) => t.name.startsWith(prefix))
      .map((t) => ({ ...t, name: t.name.slice(prefix.length) }));
    return found.length > 0 ? found : null;
  };
  const crembo = json.crembo ? decodeCremboTrainings(json.crembo.trainings) : null;
  const masks = named
    .filter((t) => t.name.startsWith(MASK_PREFIX))
    .map((t) => ({ ...t, name: t.name.slice(MASK_PREFIX.length) }));
  const pq = named.filter((t) => t.name.startsWith(PQ_PREFIX));
  const pqAssignments = pq.map((t, k) => {
    if (t.name !== `${PQ_PREFIX}${k}/assignments` || t.values.some((v) => !Number.isInteger(v) || v < 0)) {
      throw new CheckpointError('format', `${CHECKPOINT_JSON}: ${t.name} is not a list of PQ assignments`);
    }
    return Uint32Array.from(t.values);
  });
  const slots = slotNames.map((label) =>
    named.filter((t) => t.name.startsWith(`optimizer/${label}/`)).map((t) => t.values),
  );
  return {
    epoch: json.epoch,
    shuffle: json.shuffle,
    schedule: {
      rate: decodeNumber(json.schedule.rate),
      best: decodeNumber(json.schedule.best),
      stale: json.schedule.stale,
    },
    optimizer: { steps: json.optimizer.steps, slots },
    weights,
    ...(masks.length > 0 ? { masks } : {}),
    ...(pqAssignments.length > 0 ? { pqAssignments } : {}),
    ...(crembo ? { crembo: { trainings: crembo, memo: cremboSlot('memo'), other: cremboSlot('other') } } : {}),
  };
}

function decodeCremboTrainings(value: unknown): CremboTraining[] {
  const ok = (t: unknown): t is CremboTraining => {
    const r = t as Record<string, unknown> | null;
    return (
      r !== null &&
      typeof r === 'object' &&
      Number.isInteger(r.index) &&
      typeof r.consistent === 'boolean' &&
      Number.isInteger(r.violations) &&
      typeof r.valAccuracy === 'number'
    );
  };
  if (!Array.isArray(value) || !value.every(ok)) {
    throw new CheckpointError('format', `${CHECKPOINT_JSON}: crembo.trainings is not a list of CREMBO trainings`);
  }
  return value;
}

function slotLabels(config: RunConfig, count: number): string[] {
  const labels = config.train?.optimizer.name === 'adam' ? ['adam_m', 'adam_v'] : ['momentum'];
  return Array.from({ length: count }, (_, s) => labels[s] ?? `slot${s}`);
}

function encodeNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

function decodeNumber(x: number | string): number {
  return typeof x === 'number' ? x : Number(x);
}

/** Paths (a.b[2].c) where two JSON values differ, after canonical ordering. */
function diffPaths(a: unknown, b: unknown, path = 'config'): string[] {
  if (canonicalJson(a) === canonicalJson(b)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((v, i) => diffPaths(v, b[i], `${path}[${i}]`));
  }
  if (isObject(a) && isObject(b) && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffPaths(a[k], b[k], `${path}.${k}`));
  }
  return [`${path}: ${JSON.stringify(a) ?? 'absent'} in the checkpoint, ${JSON.stringify(b) ?? 'absent'} now`];
}
