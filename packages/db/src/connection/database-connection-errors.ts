// Typed errors of the results-database pool. Classify them by `instanceof` or `code`, never by message text
// (isDatabaseUnavailableError does). The codes are exported: Prisma carries a driver error's `code` over into
// its own error, so the code outlives the class.

export const DATABASE_CONNECT_FAILED = 'DATABASE_CONNECT_FAILED';
export const DATABASE_QUERY_TIMEOUT = 'DATABASE_QUERY_TIMEOUT';

/**
 * No connection could be opened or taken from the pool: the server did not answer its startup within the
 * connect timeout, closed the connection during it, or the pool stayed full. The statement was never sent.
 */
export class DatabaseConnectError extends Error {
  readonly code = DATABASE_CONNECT_FAILED;
  override readonly name = 'DatabaseConnectError';

  constructor(
    readonly connectTimeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`no connection to PostgreSQL (connect timeout ${connectTimeoutMs} ms)`, options);
  }
}

/** The server did not answer a statement within the client's bound; the connection was dropped. */
export class DatabaseQueryTimeoutError extends Error {
  readonly code = DATABASE_QUERY_TIMEOUT;
  override readonly name = 'DatabaseQueryTimeoutError';

  constructor(readonly timeoutMs: number) {
    super(`PostgreSQL did not answer a statement within ${timeoutMs} ms`);
  }
}
