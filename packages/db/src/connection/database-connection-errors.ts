import { StoreUnavailableError } from '../transient/store-errors.ts';

// Typed errors of the results-database pool: both are the store's StoreUnavailableError (transient: a
// connection may be had, or answer, on the next try). The codes are exported: Prisma carries a driver error's
// `code` over into its own error, so the code outlives the class (classifyDatabaseError knows them).

export const DATABASE_CONNECT_FAILED = 'DATABASE_CONNECT_FAILED';
export const DATABASE_QUERY_TIMEOUT = 'DATABASE_QUERY_TIMEOUT';

/**
 * No connection could be opened or taken from the pool: the server did not answer its startup within the
 * connect timeout, closed the connection during it, or the pool stayed full. The statement was never sent.
 */
export class DatabaseConnectError extends StoreUnavailableError {
  override readonly code = DATABASE_CONNECT_FAILED;

  constructor(
    readonly connectTimeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`no connection to PostgreSQL (connect timeout ${connectTimeoutMs} ms)`, true, options);
  }
}

/** The server did not answer a statement within the client's bound; the connection was dropped. */
export class DatabaseQueryTimeoutError extends StoreUnavailableError {
  override readonly code = DATABASE_QUERY_TIMEOUT;

  constructor(readonly timeoutMs: number) {
    super(`PostgreSQL did not answer a statement within ${timeoutMs} ms`, true);
  }
}
