import type { PrismaClient } from '../database-client.ts';
import type { Run } from '../generated/client.ts';
import { withTransaction } from '../transient/with-transaction.ts';
import { failRunInTransaction } from './fail-run.ts';
import type { MovedRun } from './moved-run.ts';
import { recordTransition, stateEvents } from './run-events.ts';

export interface ClaimedRun {
  /** The run as claimed; `run.attempt` is the attempt to execute under (see `redelivered`). */
  run: Run;
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
  db: PrismaClient,
  runId: string,
  attempt: number,
  workerId: string,
  options: ClaimRunOptions = {},
): Promise<ClaimedRun | null> {
  const maxAttempts = options.maxAttempts ?? 3;
  return withTransaction(db, async (tx) => {
    const claimed = await tx.$queryRaw<MovedRun[]>`
      UPDATE runs SET state = 'running', started_at = now(), heartbeat_at = now(), worker_id = ${workerId},
                      progress = 0, error = NULL, resumed_from_epoch = NULL, not_before = NULL, updated_at = now()
      WHERE id = ${runId}::uuid AND attempt = ${attempt} AND state = 'queued'
      RETURNING id::text AS id, sweep_id::text AS "sweepId", attempt`;
    let redelivered = false;
    if (claimed.length === 0) {
      const taken = await tx.$queryRaw<(MovedRun & { failures: number })[]>`
        UPDATE runs SET attempt = attempt + 1, failures = failures + 1, started_at = now(), heartbeat_at = now(),
                        worker_id = ${workerId}, progress = 0, resumed_from_epoch = NULL, updated_at = now()
        WHERE id = ${runId}::uuid AND attempt = ${attempt} AND state = 'running'
        RETURNING id::text AS id, sweep_id::text AS "sweepId", attempt, failures`;
      const [run] = taken;
      if (run === undefined) return null;
      if (run.failures >= maxAttempts) {
        await failRunInTransaction(
          tx,
          run,
          `the run's worker stopped ${run.failures} times (attempt limit ${maxAttempts}); last seen by another worker`,
        );
        return null;
      }
      redelivered = true;
      claimed.push(run);
    }
    await recordTransition(tx, stateEvents(claimed, 'running'));
    return { run: await tx.run.findUniqueOrThrow({ where: { id: runId } }), redelivered };
  });
}
