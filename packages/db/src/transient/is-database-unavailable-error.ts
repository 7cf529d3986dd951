import { StoreUnavailableError } from './store-errors.ts';

/**
 * Whether a store's error means the database is unavailable (down, unreachable, silent, overloaded) rather than
 * that the statement was wrong: the API answers such errors 503 with `retry-after`. By class, along the cause
 * chain (an error raised around a store's may carry it as its cause).
 */
export function isDatabaseUnavailableError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 6; depth++) {
    if (e instanceof StoreUnavailableError) return true;
    e = e.cause;
  }
  return false;
}
