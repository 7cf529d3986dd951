import type { DbExecutor } from './db-executor.ts';

/**
 * Cancels every run downstream of `runId` that has not finished (children, grandchildren…), recording why.
 * Returns the ids of the sweeps they belong to (a reused teacher's dependents may sit in other sweeps).
 */
export async function cancelDescendants(db: DbExecutor, runId: string, reason: string): Promise<string[]> {
  const rows = await db.$queryRaw<{ sweep_id: string }[]>`
    WITH RECURSIVE downstream AS (
      SELECT id FROM runs WHERE parent_id = ${runId}::uuid
      UNION
      SELECT r.id FROM runs r JOIN downstream d ON r.parent_id = d.id
    )
    UPDATE runs SET state = 'cancelled', skipped_reason = ${reason}, finished_at = now(), updated_at = now()
    WHERE id IN (SELECT id FROM downstream) AND state IN ('waiting', 'queued', 'running')
    RETURNING sweep_id::text AS sweep_id`;
  return [...new Set(rows.map((r) => r.sweep_id))];
}
