import type { Store } from '@distillery/db';
import type { BackendName } from '@distillery/ml';
import { checkDataRoots, type DataRoots, DEFAULT_MAX_ATTEMPTS, DEFAULT_PACK_MAX, MAX_PACK_MAX } from '@distillery/spec';
import { DEFAULT_BATCH_PROGRESS_INTERVAL_MS } from '../batch-progress-reporter.ts';
import type { CheckpointStore } from '../checkpoints/checkpoint-store.ts';
import type { ExecuteRun } from '../checkpoints/training-checkpoints.ts';
import type { ExecutePack } from '../pack/pack-training.ts';
import { defaultThreadCount, MAX_THREADS } from '../threads/training-pool-options.ts';

/** What every run executor takes, wherever its jobs come from (BullMQ, the embedded mode's in-process queue). */
export interface RunExecutorOptions {
  /** The results database (in the embedded mode, the PGlite store's client). */
  db: Store;
  /** Shown on the runs it executes. @defaultValue `<hostname>:<pid>` (`embedded:<hostname>:<pid>` in process) */
  workerId?: string;
  /** TensorFlow.js backend: tensorflow | wasm | cpu. @defaultValue env DISTILLERY_BACKEND, else wasm */
  backend?: BackendName;
  /**
   * Runs executed at once by this process, each trained on its own worker thread with its own TensorFlow.js
   * backend (on wasm, its own wasm instance), so that every core trains; the main thread keeps the database,
   * heartbeats, checkpoint storage and cancellations. Also the number of jobs taken from the queue at once (a
   * job waiting for a thread would hold its claim without training). With a substitute `executeRun`, that many
   * runs execute at once on the main thread. @defaultValue os.availableParallelism()
   */
  threads?: number;
  /**
   * Runs trained together as one pack at most (queued students of one sweep and teacher with equal pack keys,
   * each still its own run); 1 trains every run alone. Each member holds its own model and optimizer state,
   * so memory bounds it. @defaultValue DEFAULT_PACK_MAX (8), at most MAX_PACK_MAX (64)
   */
  packMax?: number;
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
  /**
   * Bound of this process's cache of stored models read by its runs (parents, teachers), in bytes; 0 reads the
   * store every time. @defaultValue DEFAULT_MODEL_CACHE_BYTES (256 MiB)
   */
  modelCacheBytes?: number;
  /** Where training checkpoints go (shared by all workers). @defaultValue none: no checkpoints, a retry restarts at epoch 0 */
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
  /** Run a reconciler beside the executor (safe in every worker). @defaultValue true */
  reconcile?: boolean;
  /** Pause between reconciler passes, in ms. @defaultValue 5000 */
  reconcileIntervalMs?: number;
  /**
   * On shutdown, how long a checkpointing run may take to reach its next checkpoint before it is stopped where
   * it is (losing the partial epoch), in ms; 0 stops every run at once. @defaultValue 10000
   */
  checkpointGraceMs?: number;
  /** On shutdown, how long to wait for runs to be released before closing regardless, in ms. @defaultValue 30000 */
  shutdownTimeoutMs?: number;
  /** @defaultValue packages/ml's executeRun on the training threads (tests substitute a fake, run on the main thread) */
  executeRun?: ExecuteRun;
  /** @defaultValue packages/ml's executePack on a training thread (tests substitute their own) */
  executePack?: ExecutePack;
}

export const RUN_EXECUTOR_DEFAULTS = {
  packMax: DEFAULT_PACK_MAX,
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  retryBackoffMs: 5000,
  heartbeatIntervalMs: 5000,
  batchProgressIntervalMs: DEFAULT_BATCH_PROGRESS_INTERVAL_MS,
  staleAfterMs: 60_000,
  reconcile: true,
  reconcileIntervalMs: 5000,
  checkpointGraceMs: 10_000,
  shutdownTimeoutMs: 30_000,
} as const;

type Defaulted = keyof typeof RUN_EXECUTOR_DEFAULTS | 'threads';
export type Resolved<O extends RunExecutorOptions> = O & Required<Pick<RunExecutorOptions, Defaulted>>;

/**
 * Defaults resolved once (`defaults` over {@link RUN_EXECUTOR_DEFAULTS}); nonsense rejected with the option's
 * name as `owner.option` and the rule. `positive` names further options of the owner that must be > 0.
 */
export function resolveExecutorOptions<O extends RunExecutorOptions>(
  owner: string,
  options: O,
  defaults: Partial<O> = {},
  positive: readonly (keyof O & string)[] = [],
): Resolved<O> {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o = { ...RUN_EXECUTOR_DEFAULTS, threads: defaultThreadCount(), ...defaults, ...defined } as Resolved<O>;
  const mustBePositive = (name: string, v: unknown, integer = false) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
      throw new RangeError(`${owner}.${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
    }
  };
  mustBePositive('threads', o.threads, true);
  if (o.threads > MAX_THREADS)
    throw new RangeError(`${owner}.threads must be at most ${MAX_THREADS}, got ${o.threads}`);
  mustBePositive('maxAttempts', o.maxAttempts, true);
  mustBePositive('packMax', o.packMax, true);
  if (o.packMax > MAX_PACK_MAX)
    throw new RangeError(`${owner}.packMax must be at most ${MAX_PACK_MAX}, got ${o.packMax}`);
  mustBePositive('heartbeatIntervalMs', o.heartbeatIntervalMs);
  mustBePositive('batchProgressIntervalMs', o.batchProgressIntervalMs);
  mustBePositive('staleAfterMs', o.staleAfterMs);
  mustBePositive('reconcileIntervalMs', o.reconcileIntervalMs);
  mustBePositive('shutdownTimeoutMs', o.shutdownTimeoutMs);
  for (const name of positive) mustBePositive(name, o[name]);
  if (!(o.retryBackoffMs >= 0)) throw new RangeError(`${owner}.retryBackoffMs must be ≥ 0, got ${o.retryBackoffMs}`);
  if (!(o.checkpointGraceMs >= 0)) {
    throw new RangeError(`${owner}.checkpointGraceMs must be ≥ 0, got ${o.checkpointGraceMs}`);
  }
  if (o.datasetCacheBytes !== undefined && !(Number.isSafeInteger(o.datasetCacheBytes) && o.datasetCacheBytes >= 0)) {
    throw new RangeError(`${owner}.datasetCacheBytes must be an integer ≥ 0, got ${o.datasetCacheBytes}`);
  }
  if (o.modelCacheBytes !== undefined && !(Number.isSafeInteger(o.modelCacheBytes) && o.modelCacheBytes >= 0)) {
    throw new RangeError(`${owner}.modelCacheBytes must be an integer ≥ 0, got ${o.modelCacheBytes}`);
  }
  if (o.dataRoots !== undefined) checkDataRoots(o.dataRoots, `${owner}.dataRoots`);
  if (o.staleAfterMs <= 2 * o.heartbeatIntervalMs) {
    throw new RangeError(
      `${owner}.staleAfterMs (${o.staleAfterMs}) must exceed twice heartbeatIntervalMs (${o.heartbeatIntervalMs})`,
    );
  }
  return o;
}
