import { Reconciler } from './reconciler.ts';
import type { ReconcilerOptions } from './reconciler-options.ts';

/** The settings a run executor (BullMQ worker or in-process executor) shares with its reconciler. */
export interface ExecutorReconcilerSettings
  extends Pick<
    ReconcilerOptions,
    'db' | 'queue' | 'checkpoints' | 'staleAfterMs' | 'maxAttempts' | 'backoff' | 'onEvent'
  > {
  reconcileIntervalMs: number;
}

/**
 * The reconciler an executor runs beside itself, configured the same way for both kinds of executor. A queued run
 * is checked against the queue only after two passes' worth of time: far longer than the gap between a commit and
 * the enqueue that follows it.
 */
export function createExecutorReconciler(s: ExecutorReconcilerSettings): Reconciler {
  return new Reconciler({
    db: s.db,
    queue: s.queue,
    checkpoints: s.checkpoints,
    intervalMs: s.reconcileIntervalMs,
    queuedGraceMs: 2 * s.reconcileIntervalMs,
    staleAfterMs: s.staleAfterMs,
    maxAttempts: s.maxAttempts,
    backoff: s.backoff,
    onEvent: s.onEvent,
  });
}
