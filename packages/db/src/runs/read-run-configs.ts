import type { RunConfig } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';

/** The configs of these runs, by run id (a missing run is absent). */
export async function readRunConfigs(db: SqlExecutor, runIds: readonly string[]): Promise<Map<string, RunConfig>> {
  if (runIds.length === 0) return new Map();
  const rows = await db.rows<{ id: string; config: RunConfig }>`
    SELECT id::text AS id, config FROM runs WHERE id = ANY(${[...runIds]}::uuid[])`;
  return new Map(rows.map((r) => [r.id, r.config]));
}
