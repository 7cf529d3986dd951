import { hostname } from 'node:os';
import { configureDatasetCache, initBackend } from '@distillery/ml';
import { CancelSubscriber, DEFAULT_QUEUE_PREFIX, RUN_QUEUE_NAME, type RunJob, RunQueue } from '@distillery/queue';
import type { RunDispatch } from '@distillery/spec';
import { Worker } from 'bullmq';
import { TRAINING_CHECKPOINTS } from './checkpoints/training-checkpoints.ts';
import { executeJob, type JobOutcome } from './execute-job.ts';
import { jsonLineLog, type WorkerLog } from './log/json-line-log.ts';
import { createExecutorReconciler } from './reconciler/executor-reconciler.ts';
import type { Reconciler } from './reconciler/reconciler.ts';
import { retryBackoff } from './retry-backoff.ts';
import type { RunControl } from './run-control.ts';
import { type ResolvedRunWorkerOptions, type RunWorkerOptions, resolveRunWorkerOptions } from './run-worker-options.ts';

/**
 * A worker process's run executor: consumes the run queue (one run at a time by default), heart-beats the runs
 * it executes, stops a run within a batch when it is cancelled, and runs a reconciler that repairs the queue
 * from PostgreSQL (the source of truth). `close()` is the SIGTERM path: stop taking jobs, let each run reach
 * its next checkpoint (bounded), release it to the queue, exit.
 */
export class RunWorker {
  readonly workerId: string;
  private readonly options: ResolvedRunWorkerOptions;
  private readonly queue: RunQueue;
  private readonly active = new Map<string, RunControl>();
  private worker: Worker<RunJob, JobOutcome> | undefined;
  private reconciler: Reconciler | undefined;
  private cancellations: CancelSubscriber | undefined;
  private closing: Promise<void> | undefined;
  backend: string | undefined;

  constructor(options: RunWorkerOptions) {
    this.options = resolveRunWorkerOptions(options);
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}`;
    this.queue = new RunQueue({ redisUrl: options.redisUrl, prefix: options.prefix ?? DEFAULT_QUEUE_PREFIX });
  }

  /**
   * Starts consuming. `log` receives a line per run change (start, result, retry, failure).
   * @defaultValue JSON lines on stdout ({@link jsonLineLog}): messages carry user input (data paths, loader
   * errors), which must not be able to forge lines
   */
  async start(log: WorkerLog = jsonLineLog()): Promise<void> {
    const o = this.options;
    if (o.datasetCacheBytes !== undefined) configureDatasetCache({ maxBytes: o.datasetCacheBytes });
    this.backend = await initBackend(o.backend);
    const prefix = o.prefix ?? DEFAULT_QUEUE_PREFIX;
    const backoff = retryBackoff({ baseMs: o.retryBackoffMs });
    this.cancellations = new CancelSubscriber(o.redisUrl, prefix, (runId) => {
      const control = this.active.get(runId);
      if (control) {
        log(`run ${runId}: cancelled, stopping`);
        control.stop('cancelled');
      }
    });
    await this.cancellations.start();
    if (o.reconcile) {
      this.reconciler = createExecutorReconciler({ ...o, queue: this.queue, backoff, log });
      await this.reconciler.start();
    }
    const enqueue = (runs: RunDispatch[]) => this.queue.enqueue(runs);
    this.worker = new Worker<RunJob, JobOutcome>(
      RUN_QUEUE_NAME,
      (job) =>
        executeJob(job.data, {
          db: o.db,
          workerId: this.workerId,
          enqueue,
          log,
          checkpoints: o.checkpoints,
          maxAttempts: o.maxAttempts,
          backoff,
          heartbeatIntervalMs: o.heartbeatIntervalMs,
          batchProgressIntervalMs: o.batchProgressIntervalMs,
          active: this.active,
          dataRoots: o.dataRoots,
        }),
      {
        connection: { url: o.redisUrl, maxRetriesPerRequest: null },
        prefix,
        concurrency: o.concurrency,
        lockDuration: o.lockDurationMs,
      },
    );
    this.worker.on('error', (err) => log(`worker error: ${err.message}`));
    await this.worker.waitUntilReady();
    log(
      `worker ${this.workerId} ready (backend ${this.backend}, concurrency ${o.concurrency}, checkpoints ` +
        `${o.checkpoints && TRAINING_CHECKPOINTS ? 'on' : 'off'}, reconciler ${o.reconcile ? 'on' : 'off'})`,
    );
  }

  /**
   * Stops taking jobs; asks each checkpointing run to stop right after its next checkpoint and stops the
   * others at once (after `checkpointGraceMs` everything stops); each stopped run is released to the queue as
   * attempt + 1 to resume elsewhere. Closes connections. Resolves within about `shutdownTimeoutMs`; a run not
   * released by then is found by a reconciler once its heartbeat goes stale.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const o = this.options;
    const closed = this.worker?.close() ?? Promise.resolve();
    for (const control of this.active.values()) {
      if (control.checkpointing && o.checkpointGraceMs > 0) control.stopAfterCheckpoint = true;
      else control.stop('shutdown');
    }
    const grace = setTimeout(() => {
      for (const control of this.active.values()) control.stop('shutdown');
    }, o.checkpointGraceMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, o.shutdownTimeoutMs);
    });
    try {
      await Promise.race([closed, timeout]);
    } finally {
      clearTimeout(grace);
      clearTimeout(timer);
    }
    await this.reconciler?.close();
    await this.cancellations?.close();
    await this.queue.close();
  }
}
