import { MlError, type MlErrorCode } from '@distillery/ml';

/** A training loss that is NaN or infinite: the run diverged, and running it again diverges again. */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';
  readonly code = 'NON_FINITE_LOSS';
  constructor(epoch: number, loss: number) {
    super(`the training loss became ${loss} at epoch ${epoch} (diverged: try a lower learning rate)`);
  }
}

/** The run's stored config does not parse (written by another version, or edited by hand). */
export class StoredConfigError extends Error {
  override readonly name = 'StoredConfigError';
  readonly code = 'STORED_CONFIG';
}

/** packages/ml errors that describe the run itself (its data, config or parent), not the machine it ran on. */
const PERMANENT_ML_CODES: ReadonlySet<MlErrorCode> = new Set([
  'DATASET_PATH',
  'DATASET_FILE',
  'DATASET_FORMAT',
  'DATASET_UNSUPPORTED',
  'RUN_CONFIG',
  'ARTIFACT_FORMAT',
]);

/**
 * Whether retrying cannot fix an error: a data path outside the data roots, a missing or malformed data file, an
 * invalid config, an unreadable parent model, a diverged loss. Those fail the run at once with the reason stored. Anything else (a lost connection, a full
 * disk, a backend that would not start, a bug) is retried up to the attempt limit. By class and code, never by
 * message text.
 */
export function isPermanentRunError(error: unknown): boolean {
  if (error instanceof NonFiniteLossError || error instanceof StoredConfigError) return true;
  return error instanceof MlError && PERMANENT_ML_CODES.has(error.code);
}

/** `Name: message` for the run's stored error. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
