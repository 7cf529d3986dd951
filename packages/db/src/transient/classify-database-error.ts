import { StoreUnavailableError, TransactionConflictError } from './store-errors.ts';

/** What a driver or Prisma code says about the database (absent: nothing, the statement itself failed). */
type Verdict = 'conflict' | 'unavailable, transient' | 'unavailable';

/**
 * The codes of pg (SQLSTATEs and socket errors), PGlite (SQLSTATEs), Prisma (P-codes) and Prisma's driver
 * adapters (error kinds), in one table. SQLSTATE classes: 08 connection exception, 53 insufficient resources
 * (53300 too many connections, 53200 out of memory…); 57014 canceled by the statement timeout; 57P01–57P03
 * shutting down or starting up; 40P01 deadlock, 40001 serialization failure, 55P03 lock not available.
 */
const VERDICTS: Record<string, Verdict> = {
  '40P01': 'conflict',
  '40001': 'conflict',
  '55P03': 'conflict',
  P2034: 'conflict',
  TransactionWriteConflict: 'conflict',
  '57P01': 'unavailable, transient',
  '57P02': 'unavailable, transient',
  '57P03': 'unavailable, transient',
  ECONNREFUSED: 'unavailable, transient',
  ECONNRESET: 'unavailable, transient',
  EPIPE: 'unavailable, transient',
  ETIMEDOUT: 'unavailable, transient',
  P1001: 'unavailable, transient',
  P1002: 'unavailable, transient',
  P1008: 'unavailable, transient',
  P1017: 'unavailable, transient',
  P2024: 'unavailable, transient',
  DatabaseNotReachable: 'unavailable, transient',
  ConnectionClosed: 'unavailable, transient',
  SocketTimeout: 'unavailable, transient',
  TooManyConnections: 'unavailable, transient',
  // The pool's own errors' codes, which Prisma carries over from the driver error into its own.
  DATABASE_CONNECT_FAILED: 'unavailable, transient',
  DATABASE_QUERY_TIMEOUT: 'unavailable, transient',
  '57014': 'unavailable',
  EHOSTUNREACH: 'unavailable',
  ENETUNREACH: 'unavailable',
  ENOTFOUND: 'unavailable',
  EAI_AGAIN: 'unavailable',
};

function verdictOf(code: unknown): Verdict | undefined {
  if (typeof code !== 'string') return undefined;
  const known = VERDICTS[code];
  if (known !== undefined) return known;
  if (code.length === 5 && code.startsWith('08')) return 'unavailable, transient';
  if (code.length === 5 && code.startsWith('53')) return 'unavailable';
  return undefined;
}

interface Coded {
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } };
  cause?: unknown;
}

/**
 * The error as the store reports it: a {@link StoreUnavailableError} or {@link TransactionConflictError} (with
 * the original as `cause`) when the database, not the statement, failed; the error itself otherwise (a
 * constraint violation, a bad statement, an application's error thrown inside a transaction). Looks along the
 * cause chain (Prisma wraps the driver's error, its adapter keeps the SQLSTATE apart), by code, never by text.
 */
export function classifyDatabaseError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || error instanceof TransactionConflictError) return error;
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 6; depth++) {
    const { code, kind, originalCode, meta, cause } = e as Coded;
    const adapter = meta?.driverAdapterError?.cause;
    const verdict =
      verdictOf(code) ??
      verdictOf(kind) ??
      verdictOf(originalCode) ??
      verdictOf(adapter?.kind) ??
      verdictOf(adapter?.originalCode);
    if (verdict !== undefined) {
      const message = error instanceof Error ? error.message : String(error);
      if (verdict === 'conflict') return new TransactionConflictError(message, { cause: error });
      return new StoreUnavailableError(
        `the results database is unavailable: ${message}`,
        verdict === 'unavailable, transient',
        { cause: error },
      );
    }
    e = cause;
  }
  return error;
}
