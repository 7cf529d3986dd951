import type { PrismaClient } from '../database-client.ts';
import { sqlTransaction } from '../sql/sql-executor.ts';
import type { CancelOutcome } from './cancel-run.ts';
import type { MovedRun } from './moved-run.ts';
import { recordTransition, stateEvents } from './run-events.ts';

/**
 * Cancels every unfinished run of one of the team's sweeps, in one transaction — except a teacher that
 * another sweep's unfinished runs wait for (teachers are shared by hash, issue 4 item 2): it keeps training
 * for them, and this sweep's own dependents of it are cancelled. Idempotent.
 */
export async function cancelSweep(
  db: PrismaClient,
  teamId: string,
  sweepId: string,
  reason: string,
): Promise<CancelOutcome> {
  return sqlTransaction(db, async (sql) => {
    const [exists] = await sql.rows<{ id: string }>`
      SELECT id::text AS id FROM sweeps WHERE id = ${sweepId}::uuid AND team_id = ${teamId}::uuid`;
    if (exists === undefined) return { found: false, cancelled: [] };
    const cancelled = await sql.rows<MovedRun>`
      UPDATE runs r SET state = 'cancelled', skipped_reason = ${reason}, finished_at = now(), not_before = NULL,
                        updated_at = now()
      WHERE r.sweep_id = ${sweepId}::uuid AND r.state IN ('waiting', 'queued', 'running')
        AND NOT EXISTS (
          SELECT 1 FROM runs c WHERE c.parent_id = r.id AND c.sweep_id <> r.sweep_id
            AND c.state IN ('waiting', 'queued', 'running'))
      RETURNING r.id::text AS id, r.sweep_id::text AS "sweepId", r.attempt`;
    await recordTransition(sql, stateEvents(cancelled, 'cancelled', reason));
    return { found: true, cancelled };
  });
}
