import type { SqlExecutor } from './sql-executor.ts';

/** Resolves when the database answers a statement (`SELECT 1`); throws what the driver threw otherwise. */
export async function pingStore(db: SqlExecutor): Promise<void> {
  await db.rows`SELECT 1`;
}
