import type { SqlExecutor } from './sql-executor.ts';

/**
 * A client's own SQL path around Prisma, as the pg pool is for a server client (see `poolOf`). The embedded
 * store registers one for its PGlite: through Prisma's driver adapter a raw statement costs ~15 ms there,
 * against ~3 ms on PGlite itself (measured on the project's 2-core machine), and a run's transitions are a
 * dozen statements.
 */
export interface SqlBackend {
  /** Statements outside a transaction. */
  executor: SqlExecutor;
  /** Runs `fn` in one transaction (committed when it resolves, rolled back when it throws). */
  transaction<T>(fn: (sql: SqlExecutor) => Promise<T>): Promise<T>;
}

const backends = new WeakMap<object, SqlBackend>();

/** Makes `sqlOf` and `sqlTransaction` use `backend` for `client` (a Prisma client) instead of Prisma. */
export function registerSqlBackend(client: object, backend: SqlBackend): void {
  backends.set(client, backend);
}

/** The backend registered for `client`, if any. */
export function sqlBackendOf(client: object): SqlBackend | undefined {
  return backends.get(client);
}
