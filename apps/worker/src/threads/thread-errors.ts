import {
  ArtifactError,
  CheckpointError,
  type CheckpointRefusal,
  DatasetError,
  MlError,
  type MlErrorCode,
  RunConfigError,
} from '@distillery/ml';

/**
 * An error as it crosses between threads. Structured cloning keeps an Error's message but not its class or
 * code, and the worker classifies failures by class and code (permanent or retryable), so errors cross as
 * these fields and are rebuilt as their class on the other side.
 */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string | undefined;
  /** An MlError's code, or another error's string `code`. */
  code?: string | undefined;
  /** A CheckpointError's refusal. */
  reason?: CheckpointRefusal | undefined;
  /** An AbortError's cause: the reason the run was stopped with. */
  cause?: string | undefined;
}

/** A training thread that stopped (crashed, ran out of memory) while it executed a task: a retry may succeed. */
export class TrainingThreadError extends Error {
  override readonly name = 'TrainingThreadError';
  readonly code = 'TRAINING_THREAD';
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error || error instanceof DOMException)) return { name: 'Error', message: String(error) };
  const s: SerializedError = { name: error.name, message: error.message, stack: error.stack };
  const { code, reason, cause } = error as { code?: unknown; reason?: unknown; cause?: unknown };
  if (typeof code === 'string') s.code = code;
  if (error instanceof CheckpointError) s.reason = reason as CheckpointRefusal;
  if (error.name === 'AbortError' && cause !== undefined) s.cause = String(cause);
  return s;
}

/** The error `s` describes, as its own class where the worker tells classes apart (packages/ml's, AbortError). */
export function reviveError(s: SerializedError): Error {
  const error = rebuild(s);
  if (s.stack !== undefined) Object.defineProperty(error, 'stack', { value: s.stack, configurable: true });
  return error;
}

function rebuild(s: SerializedError): Error {
  const code = s.code as MlErrorCode;
  switch (s.name) {
    case 'DatasetError':
      return new DatasetError(code, s.message);
    case 'ArtifactError':
      return new ArtifactError(s.message);
    case 'RunConfigError':
      return new RunConfigError(s.message);
    case 'CheckpointError':
      return new CheckpointError(s.reason ?? 'format', s.message);
    case 'MlError':
      return new MlError(code, s.message);
    case 'AbortError': {
      const e = new DOMException(s.message, 'AbortError');
      if (s.cause !== undefined) Object.defineProperty(e, 'cause', { value: s.cause });
      return e as unknown as Error;
    }
    case 'TrainingThreadError':
      return new TrainingThreadError(s.message);
  }
  // Anything else (a bug, a tfjs error) is retried by the worker; its name, message and code are what it keeps.
  const e = new Error(s.message);
  Object.defineProperty(e, 'name', { value: s.name, configurable: true });
  if (s.code !== undefined) Object.defineProperty(e, 'code', { value: s.code, enumerable: true });
  return e;
}
