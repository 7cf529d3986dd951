import { DEFAULT_MAX_ATTEMPTS, type RunConfig } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';
import { failRunInTransaction } from './fail-run.ts';
import type { MovedRun } from './moved-run.ts';
import { recordTransition, stateEvents } from './run-events.ts';

/** What a worker needs of the run it claimed. */
export interface ClaimedRunRow {
  id: string;
  sweepId: string;
  /** The run's team: whose data folder its `dataset.path` may read. */
  teamId: string;
  kind: string;
  label: string;
  /** The attempt to execute under (the fencing token of every later write). */
  attempt: number;
  failures: number;
  parentId: string | null;
  /** As stored; the worker validates it. */
  config: RunConfig | unknown;
  workerId: string;
}

export interface ClaimedRun {
  run: ClaimedRunRow;
  /**
   * true when the job's attempt was already `running`: BullMQ redelivered it because the worker holding it
   * stopped renewing its lock (died, or blocked past the lock). The claim then takes the run over under
   * attempt + 1, so the old holder, if still alive, is fenced off (its next heartbeat or write changes nothing).
   */
  redelivered: boolean;
}

export interface ClaimRunOptions {
  /** A takeover counts as a failed attempt; at this many the run fails instead. @defaultValue 3 */
  maxAttempts?: number;
}

/**
 * Takes a queued run for execution. Only the attempt the job was queued for can be claimed, so a stale job
 * (an older attempt, or a run cancelled meanwhile) is dropped: returns null. A run still `running` under the
 * job's attempt is taken over (see {@link ClaimedRun.redelivered}): crash = resume.
 */
export async function claimRun(
  db: SqlExecutor,
  runId: string,
  attempt: number,
  workerId: string,
  options: ClaimRunOptions = {},
): Promise<ClaimedRun | null> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  return db.transaction(
    async (sql) => {
      let [run] = await sql.rows<ClaimedRunRow>`
      UPDATE runs SET state = 'running', started_at = now(), heartbeat_at = now(), worker_id = ${workerId},
                      progress = 0, error = NULL, resumed_from_epoch = NULL, not_before = NULL, updated_at = now(),
                      batch_progress = NULL, batch_progress_at = NULL
      WHERE id = ${runId}::uuid AND attempt = ${attempt} AND state = 'queued'
      RETURNING id::text AS id, sweep_id::text AS "sweepId", team_id::text AS "teamId", kind, label, attempt, failures,
                parent_id::text AS "parentId", config, worker_id AS "workerId"`;
      let redelivered = false;
      if (run === undefined) {
        [run] = await sql.rows<ClaimedRunRow>`
        UPDATE runs SET attempt = attempt + 1, failures = failures + 1, started_at = now(), heartbeat_at = now(),
                        worker_id = ${workerId}, progress = 0, resumed_from_epoch = NULL, updated_at = now(),
                        batch_progress = NULL, batch_progress_at = NULL
        WHERE id = ${runId}::uuid AND attempt = ${attempt} AND state = 'running'
        RETURNING id::text AS id, sweep_id::text AS "sweepId", team_id::text AS "teamId", kind, label, attempt, failures,
                  parent_id::text AS "parentId", config, worker_id AS "workerId"`;
        if (run === undefined) return null;
        if (run.failures >= maxAttempts) {
          await failRunInTransaction(
            sql,
            run,
            `the run's worker stopped ${run.failures} times (attempt limit ${maxAttempts}); last seen by another worker`,
          );
          return null;
        }
        redelivered = true;
      }
      const moved: MovedRun = { id: run.id, sweepId: run.sweepId, attempt: run.attempt };
      await recordTransition(sql, stateEvents([moved], 'running'));
      return { run, redelivered };
      // Not flushed before answering: a claim lost to a PostgreSQL crash leaves the run queued, and the worker's
      // next conditional write stops it; the reconciler re-enqueues it.
    },
    { durable: false },
  );
}
