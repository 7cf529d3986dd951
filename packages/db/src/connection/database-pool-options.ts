/**
 * Bounds on every statement of a results-database pool (the Prisma client's and the run life-cycle's, which are
 * one pool): so that an unreachable, overloaded or silent PostgreSQL makes a request fail in seconds (the API
 * answers 503) instead of holding it, and a connection, without end.
 */
export interface DatabasePoolOptions {
  /** Connections in the pool. @defaultValue 10 */
  maxConnections?: number;
  /**
   * How long opening a connection (TCP, TLS, startup, authentication) may take, in ms, and how long a statement
   * waits for a free connection of the pool. @defaultValue 5000
   */
  connectTimeoutMs?: number;
  /** PostgreSQL's `statement_timeout`: the server cancels a statement running longer, in ms. @defaultValue 30000 */
  statementTimeoutMs?: number;
  /**
   * PostgreSQL's `idle_in_transaction_session_timeout`: the server ends a session idle inside an open transaction
   * this long (its locks then go), in ms. @defaultValue 60000
   */
  idleInTransactionTimeoutMs?: number;
  /**
   * The client's own bound on a statement, in ms: past it the connection is dropped and the statement fails with
   * DatabaseQueryTimeoutError, for a server that stops answering altogether (which cannot cancel anything).
   * @defaultValue statementTimeoutMs + 5000
   */
  queryTimeoutMs?: number;
}

export type ResolvedDatabasePoolOptions = Required<DatabasePoolOptions>;

export const DATABASE_POOL_DEFAULTS = {
  maxConnections: 10,
  connectTimeoutMs: 5000,
  statementTimeoutMs: 30_000,
  idleInTransactionTimeoutMs: 60_000,
} as const satisfies DatabasePoolOptions;

/** What the client adds to the statement timeout before it gives up on the server itself, in ms. */
const QUERY_TIMEOUT_GRACE_MS = 5000;

/** Resolves the defaults once; a bad value names the option and the rule. */
export function resolveDatabasePoolOptions(options: DatabasePoolOptions = {}): ResolvedDatabasePoolOptions {
  const merged = { ...DATABASE_POOL_DEFAULTS, ...stripUndefined(options) };
  const resolved: ResolvedDatabasePoolOptions = {
    ...merged,
    queryTimeoutMs: options.queryTimeoutMs ?? merged.statementTimeoutMs + QUERY_TIMEOUT_GRACE_MS,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`DatabasePoolOptions.${name} must be a positive integer, got ${value}`);
    }
  }
  return resolved;
}

function stripUndefined(options: DatabasePoolOptions): DatabasePoolOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
