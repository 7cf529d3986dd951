import type { MovedRun, Store } from '@distillery/db';
import type { RunDispatcher } from '@distillery/queue';
import type { FastifyBaseLogger } from 'fastify';
import { withTimeout } from '../lib/with-timeout.ts';

export interface CancelDeps {
  db: Store;
  queue: RunDispatcher;
  log: FastifyBaseLogger;
}

/** How long the answer waits for Redis; the cancellation is already committed by then. */
const REDIS_TIMEOUT_MS = 2000;

/**
 * After a cancellation commits: removes the cancelled runs' waiting jobs and tells the workers executing any of
 * them to stop. Both are conveniences — a leftover job is dropped at its claim and a worker that missed the
 * announcement stops at its next heartbeat — so a Redis failure is logged, not answered.
 */
export async function stopCancelledRuns(deps: CancelDeps, runs: readonly MovedRun[]): Promise<void> {
  if (runs.length === 0) return;
  try {
    await withTimeout(
      Promise.all([
        deps.queue.remove(runs.map((r) => ({ runId: r.id, attempt: r.attempt }))),
        deps.queue.announceCancelled(runs.map((r) => r.id)),
      ]),
      REDIS_TIMEOUT_MS,
      'the run queue',
    );
  } catch (err) {
    deps.log.warn({ err, runs: runs.length }, 'runs cancelled, but their jobs could not be withdrawn from Redis');
  }
}
