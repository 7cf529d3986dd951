import type { SqlExecutor } from '../store/sql-executor.ts';
import { cancelOwned } from './cancel-owned.ts';
import type { CancelOutcome } from './cancel-run.ts';
import type { MovedRun } from './moved-run.ts';
import { recordTransition, stateEvents } from './run-events.ts';

/**
 * Cancels every unfinished run of one of the team's sweeps, in one transaction — except the runs other sweeps
 * count on: a run that another sweep reuses or whose children in another sweep are unfinished (teachers are
 * shared by hash, every run by identity), and the unfinished runs those wait for. They keep going for the
 * others; this sweep's own dependents of them are cancelled. The sweep lets go of the unfinished runs it
 * reuses from earlier sweeps (they carry on there, and show as cancelled here), so it finishes now. Idempotent.
 */
export async function cancelSweep(
  db: SqlExecutor,
  teamId: string,
  sweepId: string,
  reason: string,
): Promise<CancelOutcome> {
  return cancelOwned(db, 'sweeps', teamId, sweepId, async (sql) => {
    const released = await sql.rows<MovedRun>`
      DELETE FROM reused_runs l USING runs r
      WHERE l.sweep_id = ${sweepId}::uuid AND r.id = l.run_id AND r.state IN ('waiting', 'queued', 'running')
      RETURNING r.id::text AS id, l.sweep_id::text AS "sweepId", r.attempt`;
    const cancelled = await sql.rows<MovedRun>`
      WITH RECURSIVE needed AS (
        SELECT r.id, r.parent_id FROM runs r
        WHERE r.sweep_id = ${sweepId}::uuid AND r.state IN ('waiting', 'queued', 'running')
          AND (EXISTS (SELECT 1 FROM reused_runs l WHERE l.run_id = r.id)
               OR EXISTS (SELECT 1 FROM runs c WHERE c.parent_id = r.id AND c.sweep_id <> r.sweep_id
                            AND c.state IN ('waiting', 'queued', 'running')))
        UNION
        SELECT p.id, p.parent_id FROM runs p JOIN needed n ON p.id = n.parent_id
        WHERE p.state IN ('waiting', 'queued', 'running')
      )
      UPDATE runs r SET state = 'cancelled', skipped_reason = ${reason}, finished_at = now(), not_before = NULL,
                        updated_at = now()
      WHERE r.sweep_id = ${sweepId}::uuid AND r.state IN ('waiting', 'queued', 'running')
        AND r.id NOT IN (SELECT id FROM needed)
      RETURNING r.id::text AS id, r.sweep_id::text AS "sweepId", r.attempt`;
    // Runs of other sweeps that wait for a run cancelled here: none, unless a submission made them wait for it
    // while the statement above ran (its snapshot predates that commit). This later statement sees them.
    const because = 'a run it waits for was cancelled with its sweep';
    const orphans = await sql.rows<MovedRun>`
      WITH RECURSIVE downstream AS (
        SELECT id FROM runs WHERE parent_id = ANY(${cancelled.map((r) => r.id)}::uuid[])
        UNION
        SELECT r.id FROM runs r JOIN downstream d ON r.parent_id = d.id
      )
      UPDATE runs SET state = 'cancelled', skipped_reason = ${because}, finished_at = now(), not_before = NULL,
                      updated_at = now()
      WHERE id IN (SELECT id FROM downstream) AND state IN ('waiting', 'queued', 'running')
      RETURNING id::text AS id, sweep_id::text AS "sweepId", attempt`;
    await recordTransition(sql, [
      ...stateEvents(released, 'cancelled', `${reason} (the run carries on in the sweep it belongs to)`),
      ...stateEvents(cancelled, 'cancelled', reason),
      ...stateEvents(orphans, 'cancelled', because),
    ]);
    return [...cancelled, ...orphans];
  });
}
