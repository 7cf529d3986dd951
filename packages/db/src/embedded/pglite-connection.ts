import type { PGlite } from '@electric-sql/pglite';
import type { PostgresConnection } from '../connection/postgres-connection.ts';

/** A {@link PostgresConnection} over an embedded PGlite database (one session: PGlite has exactly one). */
export function pgliteConnection(db: PGlite): PostgresConnection {
  return {
    query: async <T>(text: string, params: readonly unknown[] = []) =>
      (await db.query<T>(text, params as unknown[])).rows,
    exec: async (script) => {
      await db.exec(script);
    },
  };
}
