import type { SqlExecutor } from '../store/sql-executor.ts';
import type { MovedRun } from './moved-run.ts';

/**
 * Cancels every run downstream of `runId` that has not finished (children, grandchildren…), recording why.
 * Returns them (a reused teacher's dependents may sit in other sweeps). The caller records their events.
 */
export async function cancelDescendants(db: SqlExecutor, runId: string, reason: string): Promise<MovedRun[]> {
  return db.rows<MovedRun>`
    WITH RECURSIVE downstream AS (
      SELECT id FROM runs WHERE parent_id = ${runId}::uuid
      UNION
      SELECT r.id FROM runs r JOIN downstream d ON r.parent_id = d.id
    )
    UPDATE runs SET state = 'cancelled', skipped_reason = ${reason}, finished_at = now(), updated_at = now(),
                    not_before = NULL
    WHERE id IN (SELECT id FROM downstream) AND state IN ('waiting', 'queued', 'running')
    RETURNING id::text AS id, sweep_id::text AS "sweepId", attempt`;
}
