import { countPendingRuns, type SqlExecutor } from '@distillery/db';
import { QuotaExceededError } from '../errors/http-errors.ts';

export interface QueuedRunQuotaOptions {
  /** Runs a team may have waiting to start (`queued` or `waiting`), a new sweep's included. @defaultValue 10_000 */
  maxQueuedRuns: number;
  /** The `retry-after` of a refusal, in seconds: about how long a worker takes to start a few runs. @defaultValue 60 */
  retryAfterSeconds?: number;
}

export const DEFAULT_QUEUED_RUN_QUOTA = { maxQueuedRuns: 10_000, retryAfterSeconds: 60 } as const;

/** What a submission adds to its team's queue. */
export interface QueuedRunCharge {
  /** Runs the sweep creates, each to train: they wait to start. */
  newRuns: number;
  /** Runs of the sweep that are existing runs of the team (reused): they add nothing to the queue. */
  reusedRuns: number;
}

/**
 * Refuses a sweep that would leave its team more runs waiting to start than the quota (429 with
 * `retry-after`), so that one team cannot fill the queue for everyone. Only the runs the sweep creates are
 * charged: a reused run is already counted where it waits (or has trained), so resubmitting a spec adds
 * nothing, and a sweep adding nothing is never refused. Called inside the submission's transaction after
 * resolveSweepRuns has taken the team's submission lock, so the count and the insert are one step: two
 * submissions of a team cannot together pass the quota.
 */
export async function checkQueuedRunQuota(
  tx: SqlExecutor,
  teamId: string,
  charge: QueuedRunCharge,
  quota: QueuedRunQuotaOptions,
): Promise<void> {
  if (charge.newRuns === 0) return;
  const pending = await countPendingRuns(tx, teamId);
  if (pending + charge.newRuns > quota.maxQueuedRuns) {
    throw new QuotaExceededError(
      quota.maxQueuedRuns,
      pending,
      charge.newRuns,
      quota.retryAfterSeconds ?? DEFAULT_QUEUED_RUN_QUOTA.retryAfterSeconds,
      charge.reusedRuns,
    );
  }
}
