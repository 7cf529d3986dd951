import type { PrismaClient } from '@distillery/db';
import { QuotaExceededError } from '../errors/http-errors.ts';

export interface QueuedRunQuotaOptions {
  /** Runs a team may have waiting to start (`queued` or `waiting`), a new sweep's included. @defaultValue 10_000 */
  maxQueuedRuns: number;
  /** The `retry-after` of a refusal, in seconds: about how long a worker takes to start a few runs. @defaultValue 60 */
  retryAfterSeconds?: number;
}

export const DEFAULT_QUEUED_RUN_QUOTA = { maxQueuedRuns: 10_000, retryAfterSeconds: 60 } as const;

/**
 * Refuses a sweep that would leave its team more runs waiting to start than the quota (429 with
 * `retry-after`), so that one team cannot fill the queue for everyone. The count and the insert are not one
 * transaction: two submissions at the same instant may pass the quota by one sweep (≤ 5,000 runs), a bound
 * that stands, where serializing every submission of a team would not be worth its lock.
 */
export async function checkQueuedRunQuota(
  db: PrismaClient,
  teamId: string,
  newRuns: number,
  quota: QueuedRunQuotaOptions,
): Promise<void> {
  const pending = await db.run.count({ where: { teamId, state: { in: ['queued', 'waiting'] } } });
  if (pending + newRuns > quota.maxQueuedRuns) {
    throw new QuotaExceededError(
      quota.maxQueuedRuns,
      pending,
      newRuns,
      quota.retryAfterSeconds ?? DEFAULT_QUEUED_RUN_QUOTA.retryAfterSeconds,
    );
  }
}
