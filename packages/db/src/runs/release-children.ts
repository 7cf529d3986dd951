import type { SqlExecutor } from '../store/sql-executor.ts';
import type { MovedRun } from './moved-run.ts';

/** Moves the waiting children of a succeeded run to `queued`; returns them for their events and jobs. */
export async function releaseChildren(db: SqlExecutor, parentId: string): Promise<MovedRun[]> {
  return db.rows<MovedRun>`
    UPDATE runs SET state = 'queued', queued_at = now(), updated_at = now()
    WHERE parent_id = ${parentId}::uuid AND state = 'waiting'
    RETURNING id::text AS id, sweep_id::text AS "sweepId", attempt`;
}
