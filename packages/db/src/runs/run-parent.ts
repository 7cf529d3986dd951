import type { SqlExecutor } from '../store/sql-executor.ts';

/** The run a run waits for (its parent), or null for a run without one or an unknown run. */
export async function runParentId(db: SqlExecutor, runId: string): Promise<string | null> {
  const rows = await db.rows<{ parentId: string | null }>`
    SELECT parent_id AS "parentId" FROM runs WHERE id = ${runId}::uuid`;
  return rows[0]?.parentId ?? null;
}
