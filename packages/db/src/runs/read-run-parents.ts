import type { RunConfig } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';

/** A run's parent and config. */
export interface RunParentRow {
  id: string;
  parentId: string | null;
  config: RunConfig;
}

/** These runs' parents and configs (a missing run is absent), in no particular order. */
export async function readRunParents(db: SqlExecutor, runIds: readonly string[]): Promise<RunParentRow[]> {
  if (runIds.length === 0) return [];
  return db.rows<RunParentRow>`
    SELECT id::text AS id, parent_id::text AS "parentId", config FROM runs WHERE id = ANY(${[...runIds]}::uuid[])`;
}
