// The one vocabulary of database failures that are about the database, not the statement. The store turns
// every driver's (pg, PGlite) and Prisma's codes into these at its seam (classifyDatabaseError); callers
// classify by `instanceof` or `code` (isDatabaseUnavailableError, isTransientDatabaseError), never by message
// text or by a driver's own codes.

import { codedError } from '../coded-error.ts';

export const STORE_UNAVAILABLE = 'STORE_UNAVAILABLE';
export const TRANSACTION_CONFLICT = 'TRANSACTION_CONFLICT';

/**
 * The database cannot serve now, whatever the statement: unreachable, the connection lost, shutting down,
 * overloaded, or too slow to answer within its bounds. The API answers 503 with `retry-after`. `transient`:
 * whether running the same transaction again soon may succeed (a dropped connection may; a statement that ran
 * past the statement timeout or a server out of memory would most likely do the same again).
 */
export class StoreUnavailableError extends codedError<string>(STORE_UNAVAILABLE) {
  constructor(
    message: string,
    readonly transient: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * PostgreSQL aborted the transaction because of another one: a deadlock, a serialization failure, a lock not
 * available. The same transaction, run again, may succeed; run transitions are conditional on (state, attempt),
 * so a repeated try is safe.
 */
export class TransactionConflictError extends codedError(TRANSACTION_CONFLICT) {
  readonly transient = true;
}
