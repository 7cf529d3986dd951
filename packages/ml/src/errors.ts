/** Stable codes of the errors packages/ml throws; classify by `instanceof` or `code`, never by message text. */
export type MlErrorCode =
  | 'DATASET_PATH'
  | 'DATASET_FILE'
  | 'DATASET_FORMAT'
  | 'DATASET_UNSUPPORTED'
  | 'ARTIFACT_FORMAT'
  | 'RUN_CONFIG'
  | 'CHECKPOINT'
  | 'BACKEND';

export class MlError extends Error {
  override readonly name: string = 'MlError';
  constructor(
    readonly code: MlErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A data set that cannot be used: a path outside the data roots (`DATASET_PATH`), a file that is missing or
 * unreadable (`DATASET_FILE`) or malformed (`DATASET_FORMAT`); the message names the file (escaped) and the rule.
 */
export class DatasetError extends MlError {
  override readonly name = 'DatasetError';
}

/** A model artifact that cannot be read back (missing file, wrong format, sizes that do not add up). */
export class ArtifactError extends MlError {
  override readonly name = 'ArtifactError';
  constructor(message: string, options?: ErrorOptions) {
    super('ARTIFACT_FORMAT', message, options);
  }
}

/** A run config that packages/ml cannot execute (e.g. a student without its teacher's artifact). */
export class RunConfigError extends MlError {
  override readonly name = 'RunConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super('RUN_CONFIG', message, options);
  }
}

/** Why a training checkpoint was refused. */
export type CheckpointRefusal = 'format' | 'config' | 'parent' | 'backend' | 'epoch';

/**
 * A `resumeFrom` checkpoint that cannot be resumed: malformed (`format`), written by a run with another config
 * (`config`) or parent artifact (`parent`), on another backend (`backend`: resuming would not reproduce the
 * uninterrupted run), or for an epoch outside the run (`epoch`). The checkpoint is unusable for this run;
 * starting again without it is the way on.
 */
export class CheckpointError extends MlError {
  override readonly name = 'CheckpointError';
  constructor(
    readonly reason: CheckpointRefusal,
    message: string,
    options?: ErrorOptions,
  ) {
    super('CHECKPOINT', message, options);
  }
}

/** The rejection of a run stopped through its AbortSignal (name `AbortError`, like fetch's). */
export function abortError(signal: AbortSignal): DOMException {
  const e = new DOMException('the run was aborted', 'AbortError');
  if (signal.reason !== undefined) Object.defineProperty(e, 'cause', { value: signal.reason });
  return e;
}
