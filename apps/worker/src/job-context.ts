import type { Store } from '@distillery/db';
import type { ModelArtifact } from '@distillery/ml';
import type { DataRoots, RunDispatch } from '@distillery/spec';
import type { CheckpointStore } from './checkpoints/checkpoint-store.ts';
import type { ExecuteRun } from './checkpoints/training-checkpoints.ts';
import type { ExecutorListener } from './executor/executor-event.ts';
import type { ExecutePack } from './pack/pack-training.ts';
import type { RunControl } from './run-control.ts';

export interface JobContext {
  db: Store;
  workerId: string;
  /** Puts released children and retries on the queue. */
  enqueue: (runs: RunDispatch[]) => Promise<void>;
  /** Receives what happens to the run (started, succeeded, retried…). @defaultValue ignore */
  emit?: ExecutorListener | undefined;
  /** Where checkpoints go; without one, runs are not checkpointed and a retry restarts from epoch 0. */
  checkpoints?: CheckpointStore | undefined;
  /** Whether packages/ml checkpoints and resumes. @defaultValue its `TRAINING_CHECKPOINTS` export */
  checkpointsSupported?: boolean | undefined;
  /** @defaultValue packages/ml's executeRun */
  executeRun?: ExecuteRun | undefined;
  /**
   * Runs a job may train together as one pack, its own run included (queued runs of its sweep with the same
   * parent and pack key); 1 trains every run alone. @defaultValue 1
   */
  packMax?: number | undefined;
  /** How a pack trains. @defaultValue packages/ml's executePack */
  executePack?: ExecutePack | undefined;
  /** Failed attempts (errors, lost workers) before a run fails for good. @defaultValue DEFAULT_MAX_ATTEMPTS (3) */
  maxAttempts?: number | undefined;
  /** Pause before a retry, by failures so far, in ms. @defaultValue retryBackoff() (5 s, doubling, ≤ 5 min) */
  backoff?: ((failures: number) => number) | undefined;
  /** How often the run's heartbeat is written while it executes, in ms. @defaultValue 5000 */
  heartbeatIntervalMs?: number | undefined;
  /**
   * How often, at most, a training run's progress within its epoch (batch of batches) is written, in ms.
   * @defaultValue DEFAULT_BATCH_PROGRESS_INTERVAL_MS (1000)
   */
  batchProgressIntervalMs?: number | undefined;
  /** The worker's registry of runs it executes (for cancellations and shutdown), keyed by run id. */
  active?: Map<string, RunControl> | undefined;
  /**
   * Where a run's `dataset.path` may resolve: the shared roots and its own team's folder, checked again when the
   * data are read (files can change after submission). @defaultValue NO_DATA_ROOTS (no path-based data set)
   */
  dataRoots?: DataRoots | undefined;
  /**
   * Reads a stored model (a parent, a prune run's teacher, a synthetic data set): a run executor reads through
   * its StoredModelCache. @defaultValue every call reads the store
   */
  loadModel?: ((runId: string) => Promise<ModelArtifact>) | undefined;
}

/**
 * What became of a job's run.
 * - succeeded / failed: the run finished (failed: for good, reason stored).
 * - retried: it failed in a way a retry may fix; attempt + 1 is queued after a backoff.
 * - released: the worker shut down; attempt + 1 is queued at once, to resume from the last checkpoint.
 * - cancelled: a user cancelled it while it ran. superseded: another worker took it over.
 * - skipped: nothing to do (stale attempt, cancelled before it started, already finished, or in another
 *   job's pack).
 */
export type JobOutcome = 'succeeded' | 'failed' | 'retried' | 'released' | 'cancelled' | 'superseded' | 'skipped';
