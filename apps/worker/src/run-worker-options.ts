import type { Store } from '@distillery/db';
import { checkDataRoots, type DataRoots } from '@distillery/spec';
import type { CheckpointStore } from './checkpoints/checkpoint-store.ts';

export interface RunWorkerOptions {
  db: Store;
  redisUrl: string;
  /** Queue key prefix; must match the API's. @defaultValue 'distillery' */
  prefix?: string;
  /**
   * Runs executed at once by this process. TensorFlow.js on wasm is single-threaded, so more than one only
   * interleaves; scale out with processes instead. @defaultValue 1
   */
  concurrency?: number;
  /** Shown on the runs this worker executes. @defaultValue `<hostname>:<pid>` */
  workerId?: string;
  /** TensorFlow.js backend: tensorflow | wasm | cpu. @defaultValue env DISTILLERY_BACKEND, else wasm */
  backend?: 'tensorflow' | 'wasm' | 'cpu';
  /**
   * How long a job's lock lives without renewal before BullMQ hands it to another worker. Training blocks the
   * event loop for a batch at a time, so this is generous; a dead worker's runs are found sooner through their
   * heartbeats (`staleAfterMs`). @defaultValue 120000 ms
   */
  lockDurationMs?: number;
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
  /** Where training checkpoints go (shared by all workers). @defaultValue none: no checkpoints */
  checkpoints?: CheckpointStore;
  /** Failed attempts (errors, lost workers) before a run fails for good. @defaultValue 3 */
  maxAttempts?: number;
  /** Pause before the first retry of a failed run, doubled per further failure (≤ 5 min), in ms. @defaultValue 5000 */
  retryBackoffMs?: number;
  /** How often a running run's heartbeat is written, in ms. @defaultValue 5000 */
  heartbeatIntervalMs?: number;
  /** How often, at most, a training run's progress within its epoch is written, in ms. @defaultValue 1000 */
  batchProgressIntervalMs?: number;
  /** Heartbeat age after which the reconciler treats a run's worker as lost, in ms. @defaultValue 60000 */
  staleAfterMs?: number;
  /** Run a reconciler in this process (safe in every worker). @defaultValue true */
  reconcile?: boolean;
  /** Pause between reconciler passes, in ms. @defaultValue 5000 */
  reconcileIntervalMs?: number;
  /**
   * On shutdown, how long a checkpointing run may take to reach its next checkpoint before it is stopped where
   * it is (losing the partial epoch), in ms. @defaultValue 10000
   */
  checkpointGraceMs?: number;
  /** On shutdown, how long to wait for runs to be released before closing regardless, in ms. @defaultValue 30000 */
  shutdownTimeoutMs?: number;
}

export const RUN_WORKER_DEFAULTS = {
  concurrency: 1,
  lockDurationMs: 120_000,
  maxAttempts: 3,
  retryBackoffMs: 5000,
  heartbeatIntervalMs: 5000,
  staleAfterMs: 60_000,
  reconcile: true,
  reconcileIntervalMs: 5000,
  checkpointGraceMs: 10_000,
  shutdownTimeoutMs: 30_000,
} as const;

type Defaulted = keyof typeof RUN_WORKER_DEFAULTS;
export type ResolvedRunWorkerOptions = RunWorkerOptions & Required<Pick<RunWorkerOptions, Defaulted>>;

/** Defaults resolved once; nonsense rejected with the option's name and the rule. */
export function resolveRunWorkerOptions(options: RunWorkerOptions): ResolvedRunWorkerOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o = { ...RUN_WORKER_DEFAULTS, ...defined } as ResolvedRunWorkerOptions;
  const positive = (name: keyof RunWorkerOptions, v: number, integer = false) => {
    if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
      throw new RangeError(`RunWorkerOptions.${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
    }
  };
  positive('concurrency', o.concurrency, true);
  positive('maxAttempts', o.maxAttempts, true);
  positive('lockDurationMs', o.lockDurationMs);
  positive('heartbeatIntervalMs', o.heartbeatIntervalMs);
  positive('staleAfterMs', o.staleAfterMs);
  positive('reconcileIntervalMs', o.reconcileIntervalMs);
  positive('shutdownTimeoutMs', o.shutdownTimeoutMs);
  if (!(o.retryBackoffMs >= 0))
    throw new RangeError(`RunWorkerOptions.retryBackoffMs must be ≥ 0, got ${o.retryBackoffMs}`);
  if (!(o.checkpointGraceMs >= 0)) {
    throw new RangeError(`RunWorkerOptions.checkpointGraceMs must be ≥ 0, got ${o.checkpointGraceMs}`);
  }
  if (o.datasetCacheBytes !== undefined && !(Number.isSafeInteger(o.datasetCacheBytes) && o.datasetCacheBytes >= 0)) {
    throw new RangeError(`RunWorkerOptions.datasetCacheBytes must be an integer ≥ 0, got ${o.datasetCacheBytes}`);
  }
  if (o.dataRoots !== undefined) checkDataRoots(o.dataRoots, 'RunWorkerOptions.dataRoots');
  if (o.staleAfterMs <= 2 * o.heartbeatIntervalMs) {
    throw new RangeError(
      `RunWorkerOptions.staleAfterMs (${o.staleAfterMs}) must exceed twice heartbeatIntervalMs (${o.heartbeatIntervalMs})`,
    );
  }
  return o;
}
