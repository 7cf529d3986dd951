import type { SqlExecutor } from '../store/sql-executor.ts';
import { cancelDescendants } from './cancel-descendants.ts';
import { cancelOwned } from './cancel-owned.ts';
import type { MovedRun } from './moved-run.ts';
import { recordTransition, stateEvents } from './run-events.ts';

export interface CancelOutcome {
  /** false when no such run/sweep belongs to the team. */
  found: boolean;
  /** Runs this request cancelled (none when everything was already finished: cancelling is idempotent). */
  cancelled: MovedRun[];
}

/**
 * Cancels one of the team's runs if it has not finished, and everything downstream of it (in any sweep),
 * in one transaction. Workers executing any of them stop at their next check (see packages/queue's cancel
 * signal and the heartbeat); queued jobs of cancelled runs are dropped when claimed, if not removed before.
 */
export async function cancelRun(
  db: SqlExecutor,
  teamId: string,
  runId: string,
  reason: string,
): Promise<CancelOutcome> {
  return cancelOwned(db, 'runs', teamId, runId, async (sql, key) => {
    const own = await sql.rows<MovedRun>`
      UPDATE runs SET state = 'cancelled', skipped_reason = ${reason}, finished_at = now(), not_before = NULL,
                      updated_at = now()
      WHERE id = ${runId}::uuid AND state IN ('waiting', 'queued', 'running')
      RETURNING id::text AS id, sweep_id::text AS "sweepId", attempt`;
    if (own.length === 0) return [];
    const because = `parent run ${key} (${runId}) was cancelled`;
    const downstream = await cancelDescendants(sql, runId, because);
    await recordTransition(sql, [
      ...stateEvents(own, 'cancelled', reason),
      ...stateEvents(downstream, 'cancelled', because),
    ]);
    return [...own, ...downstream];
  });
}
