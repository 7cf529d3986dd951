/** Stable codes of the errors packages/ml throws; classify by `instanceof` or `code`, never by message text. */
export type MlErrorCode =
  | 'DATASET_FILE'
  | 'DATASET_FORMAT'
  | 'DATASET_UNSUPPORTED'
  | 'ARTIFACT_FORMAT'
  | 'RUN_CONFIG'
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

/** A data set file that is missing, unreadable or malformed; the message names the file and the problem. */
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

/** The rejection of a run stopped through its AbortSignal (name `AbortError`, like fetch's). */
export function abortError(signal: AbortSignal): DOMException {
  const e = new DOMException('the run was aborted', 'AbortError');
  if (signal.reason !== undefined) Object.defineProperty(e, 'cause', { value: signal.reason });
  return e;
}
