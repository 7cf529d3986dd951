import { DEFAULT_MAX_ATTEMPTS, type RunDispatch } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';
import { dispatchRuns } from './dispatch-runs.ts';
import { failRunInTransaction, MAX_ERROR_LENGTH } from './fail-run.ts';
import type { MovedRun } from './moved-run.ts';
import { recordTransition } from './run-events.ts';

export interface RetryRunOptions {
  /** Why the attempt ended (stored as the run's error and in its event). */
  message: string;
  /**
   * Whether this attempt counts against the limit: a failure or a lost worker does, a release on SIGTERM
   * does not. @defaultValue true
   */
  countsAsFailure?: boolean;
  /** Attempts that may fail before the run fails for good. @defaultValue 3 */
  maxAttempts?: number;
  /** Backoff before the next attempt may start, in ms, or a function of the failures so far. @defaultValue 0 */
  delayMs?: number | ((failures: number) => number);
  /**
   * Only if the run's heartbeat is older than this (ms, by the database's clock): the reconciler's guard, so a
   * worker that heart-beat meanwhile keeps its run.
   */
  staleForMs?: number;
}

export type RetryOutcome =
  | { outcome: 'retried'; job: RunDispatch }
  | { outcome: 'failed' }
  /** The run was not `running` under `attempt` (or not stale): someone else moved it first; nothing changed. */
  | { outcome: 'stale' };

/**
 * Ends a running attempt and queues the next one (`attempt + 1`, `not_before` = now + backoff), or — when the
 * attempt counts and the run has used up its attempts — fails the run for good (dependents cancelled). The
 * caller enqueues `job` (with its delay) after the commit.
 */
export async function retryRun(
  db: SqlExecutor,
  runId: string,
  attempt: number,
  options: RetryRunOptions,
): Promise<RetryOutcome> {
  const counts = options.countsAsFailure ?? true;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const staleSecs = options.staleForMs === undefined ? null : options.staleForMs / 1000;
  const error = options.message.slice(0, MAX_ERROR_LENGTH);
  return db.transaction(async (sql) => {
    const [run] = await sql.rows<MovedRun & { failures: number }>`
      SELECT id::text AS id, sweep_id::text AS "sweepId", attempt, failures FROM runs
      WHERE id = ${runId}::uuid AND attempt = ${attempt} AND state = 'running'
        AND (${staleSecs}::float8 IS NULL OR heartbeat_at < now() - make_interval(secs => ${staleSecs}::float8))
      FOR UPDATE`;
    if (run === undefined) return { outcome: 'stale' };
    const failures = run.failures + (counts ? 1 : 0);
    if (failures >= maxAttempts) {
      await sql.run`UPDATE runs SET failures = ${failures} WHERE id = ${runId}::uuid`;
      await failRunInTransaction(
        sql,
        run,
        `${error} (attempt ${attempt}; ${failures} of ${maxAttempts} allowed failures)`,
      );
      return { outcome: 'failed' };
    }
    const delay = typeof options.delayMs === 'function' ? options.delayMs(failures) : (options.delayMs ?? 0);
    const delaySecs = Math.max(0, delay) / 1000;
    const [next] = await sql.rows<MovedRun & { not_before: Date }>`
      UPDATE runs SET state = 'queued', attempt = attempt + 1, failures = ${failures}, error = ${error},
                      queued_at = now(), not_before = now() + make_interval(secs => ${delaySecs}::float8),
                      worker_id = NULL, heartbeat_at = NULL, updated_at = now()
      WHERE id = ${runId}::uuid
      RETURNING id::text AS id, sweep_id::text AS "sweepId", attempt, not_before`;
    const moved = next as MovedRun & { not_before: Date };
    await recordTransition(sql, [
      {
        sweepId: moved.sweepId,
        runId,
        type: 'state',
        data: { state: 'queued', attempt: moved.attempt, reason: error, notBefore: moved.not_before.toISOString() },
      },
    ]);
    const [job] = await dispatchRuns(sql, [runId]);
    return { outcome: 'retried', job: job as RunDispatch };
  });
}
