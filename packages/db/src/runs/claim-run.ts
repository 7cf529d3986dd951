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
  /** packages/spec packKey of its config, as stored at insertion: null when it trains alone. */
  packKey: string | null;
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
  // Not flushed before answering: a claim lost to a PostgreSQL crash leaves the run queued, and the worker's
  // next conditional write stops it; the reconciler re-enqueues it.
  return db.transaction((sql) => claimRunInTransaction(sql, runId, attempt, workerId, options), { durable: false });
}

/** {@link claimRun} inside the caller's transaction (`claimPack` claims the pack's members in the same one). */
export async function claimRunInTransaction(
  sql: SqlExecutor,
  runId: string,
  attempt: number,
  workerId: string,
  options: ClaimRunOptions = {},
): Promise<ClaimedRun | null> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  // One statement for both cases, the job's attempt `queued` (a claim) or still `running` (a takeover, attempt + 1:
  // see ClaimedRun.redelivered). A run another job claimed into its pack is not this job's to take over: its own
  // job was never the one executing it, so being delivered is no sign that its executor died (its heartbeat says
  // that, and the reconciler then queues its next attempt). In SET, every column read is the row's old value.
  const [claimed] = await sql.rows<ClaimedRunRow & { redelivered: boolean }>`
    UPDATE runs SET state = 'running',
                    attempt = CASE WHEN state = 'running' THEN attempt + 1 ELSE attempt END,
                    failures = CASE WHEN state = 'running' THEN failures + 1 ELSE failures END,
                    error = CASE WHEN state = 'running' THEN error END,
                    not_before = CASE WHEN state = 'running' THEN not_before END,
                    packed_by = CASE WHEN state = 'running' THEN packed_by END,
                    started_at = now(), heartbeat_at = now(), worker_id = ${workerId}, progress = 0,
                    resumed_from_epoch = NULL, updated_at = now(), batch_progress = NULL, batch_progress_at = NULL
    WHERE id = ${runId}::uuid AND attempt = ${attempt}
      AND (state = 'queued' OR (state = 'running' AND packed_by IS NULL))
    RETURNING id::text AS id, sweep_id::text AS "sweepId", team_id::text AS "teamId", kind, label, attempt, failures,
              parent_id::text AS "parentId", config, worker_id AS "workerId", pack_key AS "packKey",
              attempt <> ${attempt} AS redelivered`;
  if (claimed === undefined) return null;
  const { redelivered, ...run } = claimed;
  if (redelivered && run.failures >= maxAttempts) {
    await failRunInTransaction(
      sql,
      run,
      `the run's worker stopped ${run.failures} times (attempt limit ${maxAttempts}); last seen by another worker`,
    );
    return null;
  }
  const moved: MovedRun = { id: run.id, sweepId: run.sweepId, attempt: run.attempt };
  await recordTransition(sql, stateEvents([moved], 'running'));
  return { run, redelivered };
}
