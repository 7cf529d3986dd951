import {
  DATABASE_CONNECT_FAILED,
  DATABASE_QUERY_TIMEOUT,
  DatabaseConnectError,
  DatabaseQueryTimeoutError,
} from '../connection/database-connection-errors.ts';

/**
 * SQLSTATEs that say the server cannot serve now, whatever the statement: 08 connection exception (by class),
 * 53 insufficient resources (53300 too many connections, 53200 out of memory…), 57014 canceled (the
 * statement timeout: the server is too busy to answer in time), 57P01–57P03 shutting down or starting up.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57014', '57P01', '57P02', '57P03']);
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '53'];
/** Prisma's codes for them: server unreachable, timed out, closed the connection; pool timeout. */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** The pool's own (found on Prisma's error too, which takes over the driver error's code). */
const POOL_CODES = new Set<string>([DATABASE_CONNECT_FAILED, DATABASE_QUERY_TIMEOUT]);
/** Socket errors while connecting or talking to the server. */
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** The driver adapter's error kinds for them. */
const UNAVAILABLE_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

/**
 * Whether an error means the database is unavailable (down, unreachable, silent, overloaded) rather than that
 * the statement was wrong: the API answers such errors 503 with `retry-after`. Classified by class and code
 * along the cause chain (Prisma wraps the driver's error), never by message text.
 */
export function isDatabaseUnavailableError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 6; depth++) {
    if (e instanceof DatabaseConnectError || e instanceof DatabaseQueryTimeoutError) return true;
    const { code, meta, cause } = e as {
      code?: unknown;
      meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } };
      cause?: unknown;
    };
    if (typeof code === 'string' && isUnavailableCode(code)) return true;
    const adapter = meta?.driverAdapterError?.cause ?? (cause as { kind?: unknown; originalCode?: unknown });
    if (adapter && typeof adapter === 'object') {
      if (typeof adapter.kind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(adapter.kind)) return true;
      if (typeof adapter.originalCode === 'string' && isUnavailableCode(adapter.originalCode)) return true;
    }
    e = cause;
  }
  return false;
}

function isUnavailableCode(code: string): boolean {
  return (
    POOL_CODES.has(code) ||
    UNAVAILABLE_PRISMA_CODES.has(code) ||
    UNAVAILABLE_SOCKET_CODES.has(code) ||
    UNAVAILABLE_SQLSTATES.has(code) ||
    (code.length === 5 && UNAVAILABLE_SQLSTATE_CLASSES.some((c) => code.startsWith(c)))
  );
}
