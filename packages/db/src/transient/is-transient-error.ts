import { DatabaseConnectError, DatabaseQueryTimeoutError } from '../connection/database-connection-errors.ts';

/**
 * PostgreSQL SQLSTATEs after which the same transaction, run again, may succeed: deadlock, serialization
 * failure, lock timeout, and the connection-level classes (08 connection exception, 57P01–57P03 shutdown).
 */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001', '55P03', '57P01', '57P02', '57P03']);
/** Prisma's codes for the same situations: write conflict / deadlock, server unreachable or gone, timeouts. */
const RETRYABLE_PRISMA_CODES = new Set(['P2034', 'P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** The driver adapter's error kinds for them (`@prisma/adapter-pg` maps SQLSTATEs and socket errors to these). */
const RETRYABLE_ADAPTER_KINDS = new Set([
  'TransactionWriteConflict',
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

interface AdapterCause {
  originalCode?: unknown;
  kind?: unknown;
}

/**
 * Whether an error from the database is worth retrying: a deadlock or write conflict between concurrent
 * transitions, or a connection that dropped. Classified by codes, never by message text. Everything else (a
 * constraint violation, a bad query) is permanent and retrying would repeat it.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    if (e instanceof DatabaseConnectError || e instanceof DatabaseQueryTimeoutError) return true;
    const { code, meta, cause } = e as {
      code?: unknown;
      meta?: { driverAdapterError?: { cause?: AdapterCause } };
      cause?: unknown;
    };
    if (
      typeof code === 'string' &&
      (RETRYABLE_PRISMA_CODES.has(code) || RETRYABLE_SQLSTATES.has(code) || code.startsWith('08'))
    ) {
      return true;
    }
    if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code)) return true;
    const adapter = meta?.driverAdapterError?.cause ?? (cause as AdapterCause | undefined);
    if (adapter && typeof adapter === 'object') {
      const original = adapter.originalCode;
      if (typeof original === 'string' && (RETRYABLE_SQLSTATES.has(original) || original.startsWith('08'))) return true;
      if (typeof adapter.kind === 'string' && RETRYABLE_ADAPTER_KINDS.has(adapter.kind)) return true;
    }
    e = cause;
  }
  return false;
}
