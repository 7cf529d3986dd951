import { configureDatasetCache, initBackend } from '@distillery/ml';
import type { RunDispatcher } from '@distillery/queue';
import type { RunJob } from '@distillery/spec';
import { TRAINING_CHECKPOINTS } from '../checkpoints/training-checkpoints.ts';
import { executeJob, type JobOutcome } from '../execute-job.ts';
import { createExecutorReconciler } from '../reconciler/executor-reconciler.ts';
import type { Reconciler } from '../reconciler/reconciler.ts';
import { retryBackoff } from '../retry-backoff.ts';
import { readModel } from '../run-attempt.ts';
import type { RunControl } from '../run-control.ts';
import { StoredModelCache } from '../stored-model-cache.ts';
import { TrainingPool } from '../threads/training-pool.ts';
import { ExecutorEvents } from './executor-events.ts';
import type { Resolved, RunExecutorOptions } from './run-executor-options.ts';

/**
 * The run-execution core that the BullMQ worker and the embedded mode's in-process executor share; they differ
 * only in where jobs come from and go to (`queue`). It executes each job with {@link executeJob} under one job
 * context (heartbeats, retries with backoff, checkpoints, data roots), keeps the registry of the runs it
 * executes (for cancellations and shutdown), runs the reconciler beside itself, and reports everything as
 * typed {@link ExecutorEvents}. Training happens on its {@link TrainingPool} (`threads` runs at once), so this
 * thread stays free for the job's database writes, heartbeats and checkpoints.
 */
export class RunExecutor {
  readonly events = new ExecutorEvents();
  /** The TensorFlow.js backend in use, once loaded. */
  backend: string | undefined;
  private readonly active = new Map<string, RunControl>();
  private readonly backoff: (failures: number) => number;
  private readonly models: StoredModelCache;
  private reconciler: Reconciler | undefined;
  private pool: TrainingPool | undefined;

  constructor(
    readonly workerId: string,
    readonly options: Resolved<RunExecutorOptions>,
    private readonly queue: Pick<RunDispatcher, 'enqueue' | 'ensure'>,
  ) {
    this.backoff = retryBackoff({ baseMs: options.retryBackoffMs });
    this.models = new StoredModelCache((runId) => readModel(options.db, runId), options.modelCacheBytes);
  }

  /** Whether runs are checkpointed: a store is configured and packages/ml resumes training. */
  get checkpointing(): boolean {
    return this.options.checkpoints !== undefined && TRAINING_CHECKPOINTS;
  }

  /**
   * Bounds the data-set cache and starts the training threads, each loading the TensorFlow.js backend (with a
   * substitute `executeRun`, loads it on this thread instead); returns its name.
   */
  async loadBackend(onWarning?: (message: string) => void): Promise<string> {
    const o = this.options;
    if (o.datasetCacheBytes !== undefined) configureDatasetCache({ maxBytes: o.datasetCacheBytes });
    if (o.executeRun) {
      this.backend = await initBackend(o.backend, onWarning);
      return this.backend;
    }
    this.pool = new TrainingPool({ threads: o.threads, backend: o.backend });
    this.backend = await this.pool.start(onWarning);
    return this.backend;
  }

  /** Starts the reconciler (when `reconcile`), after a first pass over every queued run. */
  async startReconciler(): Promise<void> {
    const o = this.options;
    if (!o.reconcile) return;
    this.reconciler = createExecutorReconciler({
      ...o,
      queue: this.queue,
      backoff: this.backoff,
      onEvent: (e) => this.events.emit(e),
    });
    await this.reconciler.start();
  }

  /** Tells the listeners the executor takes jobs now. */
  announceReady(): void {
    const o = this.options;
    this.events.emit({
      type: 'ready',
      workerId: this.workerId,
      backend: this.backend ?? '?',
      threads: o.threads,
      packMax: o.packMax,
      checkpoints: this.checkpointing,
      reconciler: o.reconcile,
    });
  }

  /** Executes one job to its outcome (PostgreSQL decides; the job itself always completes). */
  execute(job: RunJob): Promise<JobOutcome> {
    const o = this.options;
    return executeJob(job, {
      db: o.db,
      workerId: this.workerId,
      enqueue: (runs) => this.queue.enqueue(runs),
      emit: (e) => this.events.emit(e),
      checkpoints: o.checkpoints,
      executeRun: o.executeRun ?? this.pool?.executeRun,
      packMax: o.packMax,
      executePack: o.executePack ?? this.pool?.executePack,
      maxAttempts: o.maxAttempts,
      backoff: this.backoff,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      batchProgressIntervalMs: o.batchProgressIntervalMs,
      active: this.active,
      dataRoots: o.dataRoots,
      loadModel: (runId) => this.models.load(runId),
    });
  }

  /** A user cancelled `runId`: if this executor runs it, it stops within a batch. */
  cancel(runId: string): void {
    const control = this.active.get(runId);
    if (!control) return;
    this.events.emit({ type: 'cancel-requested', runId });
    control.stop('cancelled');
  }

  /**
   * Stops the executing runs, each to be released to the queue as its next attempt: with `checkpointGraceMs`,
   * a checkpointing run stops right after its next checkpoint (every run stops once the grace is over), else
   * at once. Resolves when `drained` (the job source closing, which waits for its running jobs) does, or after
   * `shutdownTimeoutMs` (a run not released by then is found by a reconciler once its heartbeat goes stale);
   * then closes the reconciler and the training threads.
   */
  async shutdown(drained: Promise<unknown>, graceMs = this.options.checkpointGraceMs): Promise<void> {
    for (const control of this.active.values()) {
      if (control.checkpointing && graceMs > 0) control.stopAfterCheckpoint = true;
      else control.stop('shutdown');
    }
    const grace = setTimeout(() => {
      for (const control of this.active.values()) control.stop('shutdown');
    }, graceMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.shutdownTimeoutMs);
    });
    try {
      await Promise.race([drained, timeout]);
    } finally {
      clearTimeout(grace);
      clearTimeout(timer);
    }
    await this.reconciler?.close();
    await this.pool?.close();
  }
}
