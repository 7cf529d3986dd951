import type { SqlExecutor } from '../store/sql-executor.ts';
import { cancelDescendants } from './cancel-descendants.ts';
import type { MovedRun } from './moved-run.ts';
import { recordTransition, stateEvents } from './run-events.ts';

/** Longest error message stored with a run. */
export const MAX_ERROR_LENGTH = 4000;

/**
 * Marks a run failed for good with a message for the researcher, cancels everything downstream of it
 * (recording why), and refreshes the sweeps involved. No-op (false) when the run is no longer `running`
 * under `attempt`.
 */
export async function failRun(db: SqlExecutor, runId: string, attempt: number, message: string): Promise<boolean> {
  return db.transaction(async (sql) => {
    const [run] = await sql.rows<MovedRun>`
      SELECT id::text AS id, sweep_id::text AS "sweepId", attempt FROM runs
      WHERE id = ${runId}::uuid AND attempt = ${attempt} AND state = 'running' FOR UPDATE`;
    if (run === undefined) return false;
    await failRunInTransaction(sql, run, message);
    return true;
  });
}

/** The body of {@link failRun} for a run already known to be `running` under its attempt (row locked). */
export async function failRunInTransaction(sql: SqlExecutor, run: MovedRun, message: string): Promise<void> {
  const error = message.slice(0, MAX_ERROR_LENGTH);
  await sql.run`
    UPDATE runs SET state = 'failed', finished_at = now(), error = ${error}, not_before = NULL, updated_at = now()
    WHERE id = ${run.id}::uuid`;
  const [row] = await sql.rows<{ key: string }>`SELECT key FROM runs WHERE id = ${run.id}::uuid`;
  const reason = `parent run ${row?.key} (${run.id}) failed`;
  const cancelled = await cancelDescendants(sql, run.id, reason);
  await recordTransition(sql, [...stateEvents([run], 'failed', error), ...stateEvents(cancelled, 'cancelled', reason)]);
}
