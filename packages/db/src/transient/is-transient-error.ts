import { StoreUnavailableError, TransactionConflictError } from './store-errors.ts';

/**
 * Whether a store's error is worth retrying: a conflict between concurrent transactions, or a connection that
 * dropped or could not be made ({@link StoreUnavailableError} with `transient`). Everything else (a constraint
 * violation, a bad statement, a statement past its timeout) is permanent and retrying would repeat it.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 6; depth++) {
    if (e instanceof TransactionConflictError) return true;
    if (e instanceof StoreUnavailableError) return e.transient;
    e = e.cause;
  }
  return false;
}
