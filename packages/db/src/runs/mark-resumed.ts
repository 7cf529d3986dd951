import type { SqlExecutor } from '../store/sql-executor.ts';
import type { MovedRun } from './moved-run.ts';
import { recordTransition } from './run-events.ts';

/**
 * Records that the running attempt continues from a checkpoint after `epoch` of `epochs`: progress jumps
 * there, and a `running` event says so. false when the run is no longer `running` under `attempt`.
 */
export async function markResumed(
  db: SqlExecutor,
  runId: string,
  attempt: number,
  epoch: number,
  epochs: number,
): Promise<boolean> {
  return db.transaction(
    async (sql) => {
      const [run] = await sql.rows<MovedRun>`
      UPDATE runs SET resumed_from_epoch = ${epoch}, progress = ${Math.min(1, epoch / Math.max(1, epochs))},
                      heartbeat_at = now(), updated_at = now()
      WHERE id = ${runId}::uuid AND attempt = ${attempt} AND state = 'running'
      RETURNING id::text AS id, sweep_id::text AS "sweepId", attempt`;
      if (run === undefined) return false;
      await recordTransition(sql, [
        { sweepId: run.sweepId, runId, type: 'state', data: { state: 'running', attempt, resumedFromEpoch: epoch } },
      ]);
      return true;
    },
    { durable: false },
  );
}
