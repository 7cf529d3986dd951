import type { Store } from '@distillery/db';
import type { RunDispatcher } from '@distillery/queue';
import type { CheckpointStore } from '../checkpoints/checkpoint-store.ts';

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
  /** Failed attempts before a run fails for good; the workers' limit. @defaultValue 3 */
  maxAttempts?: number;
  /** Pause before retrying a run whose worker was lost, by failures so far, in ms. @defaultValue retryBackoff() */
  backoff?: (failures: number) => number;
  /** @defaultValue ignore */
  log?: (message: string) => void;
}

export const RECONCILER_DEFAULTS = {
  intervalMs: 5000,
  staleAfterMs: 60_000,
  queuedGraceMs: 10_000,
  maxAttempts: 3,
} as const;
