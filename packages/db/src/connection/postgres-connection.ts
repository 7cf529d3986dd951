import type pg from 'pg';

/**
 * The little the migrator and the export/import need from one PostgreSQL session, so the same code runs over a
 * pg connection to a server and over the embedded PGlite (packages/db/src/embedded): both are PostgreSQL, only
 * the client differs. Everything runs on one session, in order: `BEGIN` … `COMMIT` sent through it form one
 * transaction, and session settings (`SET lock_timeout`, advisory locks) stay in force.
 */
export interface PostgresConnection {
  /**
   * One statement with bound parameters (`$1`, `$2`…); its rows. Type parsing differs between drivers
   * (`bigint` is a string on pg, a number on PGlite): select `::text` or `::int` where it matters.
   */
  query<T>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** A script of one or more statements, without parameters (the simple-query protocol). */
  exec(script: string): Promise<void>;
}

/** A {@link PostgresConnection} over one pg connection (a `pg.Client` or a pool's checked-out client). */
export function pgConnection(client: pg.Client | pg.PoolClient): PostgresConnection {
  return {
    query: async <T>(text: string, params: readonly unknown[] = []) =>
      (await client.query(text, params as unknown[])).rows as T[],
    exec: async (script) => {
      // No values array: pg then uses the simple-query protocol, which accepts many statements.
      await client.query(script);
    },
  };
}
