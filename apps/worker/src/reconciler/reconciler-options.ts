import type { Store } from '@distillery/db';
import type { RunDispatcher } from '@distillery/queue';
import type { CheckpointStore } from '../checkpoints/checkpoint-store.ts';
import type { ExecutorListener } from '../executor/executor-event.ts';
import { RUN_EXECUTOR_DEFAULTS } from '../executor/run-executor-options.ts';

export interface ReconcilerOptions {
  db: Store;
  /** BullMQ's RunQueue, or the embedded mode's InProcessQueue. */
  queue: Pick<RunDispatcher, 'enqueue' | 'ensure'>;
  /** Checkpoints of finished runs are deleted from it. @defaultValue none (checkpoints are left alone) */
  checkpoints?: CheckpointStore | undefined;
  /** Pause between passes, in ms (±10% jitter, so many reconcilers spread out). @defaultValue 5000 */
  intervalMs?: number;
  /**
   * A running run whose heartbeat is older than this (by the database's clock) has lost its worker; it is
   * retried (counted as a failed attempt). Must be well above the workers' heartbeat interval and the longest
   * time a worker's event loop may block (data set loading). @defaultValue 60000
   */
  staleAfterMs?: number;
  /**
   * A queued run is checked against Redis only after it has been queued this long, so the reconciler does not
   * race the enqueue that follows each commit. @defaultValue 10000
   */
  queuedGraceMs?: number;
  /** Failed attempts before a run fails for good; the workers' limit. @defaultValue DEFAULT_MAX_ATTEMPTS (3) */
  maxAttempts?: number;
  /** Pause before retrying a run whose worker was lost, by failures so far, in ms. @defaultValue retryBackoff() */
  backoff?: (failures: number) => number;
  /** Receives what each pass repaired (`worker-lost`, `runs-requeued`) and failed passes. @defaultValue ignore */
  onEvent?: ExecutorListener;
}

/** The executors' own settings, so a dedicated reconciler and the one beside each executor agree. */
export const RECONCILER_DEFAULTS = {
  intervalMs: RUN_EXECUTOR_DEFAULTS.reconcileIntervalMs,
  staleAfterMs: RUN_EXECUTOR_DEFAULTS.staleAfterMs,
  queuedGraceMs: 2 * RUN_EXECUTOR_DEFAULTS.reconcileIntervalMs,
  maxAttempts: RUN_EXECUTOR_DEFAULTS.maxAttempts,
} as const;
