import type { Store } from '@distillery/db';
import type { BackendName } from '@distillery/ml';
import type { DataRoots } from '@distillery/spec';
import type { CheckpointStore } from '../checkpoints/checkpoint-store.ts';
import type { ExecuteRun } from '../checkpoints/training-checkpoints.ts';

export interface InProcessExecutorOptions {
  /** The results database (in the embedded mode, the PGlite store's client). */
  db: Store;
  /** Shown on the runs it executes. @defaultValue `embedded:<hostname>:<pid>` */
  workerId?: string;
  /** TensorFlow.js backend: tensorflow | wasm | cpu. @defaultValue env DISTILLERY_BACKEND, else wasm */
  backend?: BackendName;
  /** Runs executed at once (TensorFlow.js on wasm is single-threaded: more only interleaves). @defaultValue 1 */
  concurrency?: number;
  /**
   * Folders a run's `dataset.path` (idx, cifar10-bin) may resolve into: the shared roots, and the run's team's
   * own folder under `teamBase`. @defaultValue NO_DATA_ROOTS (no path-based data set loads)
   */
  dataRoots?: DataRoots;
  /**
   * Bound of this process's data-set cache (least recently used sets evicted first), in bytes.
   * @defaultValue packages/ml DEFAULT_DATASET_CACHE_BYTES (1 GiB)
   */
  datasetCacheBytes?: number;
  /** Where training checkpoints go. @defaultValue none: no checkpoints, an interrupted run restarts at epoch 0 */
  checkpoints?: CheckpointStore;
  /** Failed attempts before a run fails for good. @defaultValue 3 */
  maxAttempts?: number;
  /** Pause before the first retry of a failed run, doubled per further failure (≤ 5 min), in ms. @defaultValue 5000 */
  retryBackoffMs?: number;
  /** How often a running run's heartbeat is written, in ms. @defaultValue 5000 */
  heartbeatIntervalMs?: number;
  /** How often, at most, a training run's progress within its epoch is written, in ms. @defaultValue 1000 */
  batchProgressIntervalMs?: number;
  /** @defaultValue packages/ml's executeRun (tests substitute a fake) */
  executeRun?: ExecuteRun;
  /**
   * Pause between reconciler passes (a run whose handler died is retried, a queued run the in-process queue
   * lost is put back, checkpoints of finished runs are deleted), in ms. @defaultValue 5000
   */
  reconcileIntervalMs?: number;
  /** Heartbeat age after which a running run counts as lost and is retried, in ms. @defaultValue 60000 */
  staleAfterMs?: number;
  /** One line per run event (started, succeeded, retried…), control characters escaped. @defaultValue ignore */
  log?: (message: string) => void;
}

export const IN_PROCESS_EXECUTOR_DEFAULTS = {
  concurrency: 1,
  maxAttempts: 3,
  retryBackoffMs: 5000,
  heartbeatIntervalMs: 5000,
  reconcileIntervalMs: 5000,
  staleAfterMs: 60_000,
} as const;
