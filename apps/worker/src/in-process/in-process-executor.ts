import { hostname } from 'node:os';
import { dueRuns, listRunningRuns, retryRun } from '@distillery/db';
import { configureDatasetCache, initBackend } from '@distillery/ml';
import { InProcessQueue } from '@distillery/queue';
import { executeJob } from '../execute-job.ts';
import { escapeControlCharacters } from '../log/escape-control-characters.ts';
import { createExecutorReconciler } from '../reconciler/executor-reconciler.ts';
import type { Reconciler } from '../reconciler/reconciler.ts';
import { retryBackoff } from '../retry-backoff.ts';
import type { RunControl } from '../run-control.ts';
import { IN_PROCESS_EXECUTOR_DEFAULTS, type InProcessExecutorOptions } from './in-process-executor-options.ts';

/** What {@link InProcessExecutor.start} found in the database. */
export interface RecoveryReport {
  /** Runs left `running` by a process that stopped without releasing them, queued again (or failed). */
  orphaned: number;
  /** Queued runs put on the in-process queue. */
  queued: number;
}

/**
 * The worker of the embedded mode (issue 6, item 1): executes runs in this process, in DAG order, with the
 * same handler a BullMQ worker runs — {@link executeJob}: claim, resume from a checkpoint, train or quantize
 * with packages/ml, store epochs and the result, release the children. Released children and retries go to
 * its {@link InProcessQueue}, which is also the queue the API (in the same process) enqueues into.
 *
 * The store is this process's alone (its lock), so at start every run still `running` was left by a process
 * that died: it is retried (counted as a failed attempt, as the reconciler counts a lost worker), and every
 * queued run is put on the queue. A clean stop (`close`) releases the running runs without counting a failure.
 */
export class InProcessExecutor {
  readonly workerId: string;
  readonly queue: InProcessQueue;
  /** The TensorFlow.js backend in use, once started. */
  backend: string | undefined;
  private readonly options: InProcessExecutorOptions & typeof IN_PROCESS_EXECUTOR_DEFAULTS;
  private readonly active = new Map<string, RunControl>();
  private unsubscribe: (() => void) | undefined;
  private reconciler: Reconciler | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: InProcessExecutorOptions) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.options = { ...IN_PROCESS_EXECUTOR_DEFAULTS, ...defined } as typeof this.options;
    for (const name of ['maxAttempts', 'heartbeatIntervalMs', 'reconcileIntervalMs', 'staleAfterMs'] as const) {
      const v = this.options[name];
      if (!Number.isFinite(v) || v <= 0) throw new RangeError(`InProcessExecutorOptions.${name} must be > 0, got ${v}`);
    }
    if (this.options.staleAfterMs <= 2 * this.options.heartbeatIntervalMs) {
      throw new RangeError(
        `InProcessExecutorOptions.staleAfterMs (${this.options.staleAfterMs}) must exceed twice heartbeatIntervalMs (${this.options.heartbeatIntervalMs})`,
      );
    }
    if (!(this.options.retryBackoffMs >= 0)) {
      throw new RangeError(`InProcessExecutorOptions.retryBackoffMs must be ≥ 0, got ${this.options.retryBackoffMs}`);
    }
    this.workerId = options.workerId ?? `embedded:${hostname()}:${process.pid}`;
    const log = escapedLog(this.options.log);
    this.queue = new InProcessQueue({
      concurrency: this.options.concurrency,
      onError: (error, job) => log(`run ${job.runId}: ${(error as Error).message}`),
    });
  }

  /** Loads the TensorFlow.js backend, recovers what a previous process left, and starts executing. */
  async start(): Promise<RecoveryReport> {
    const o = this.options;
    const log = escapedLog(o.log);
    if (o.datasetCacheBytes !== undefined) configureDatasetCache({ maxBytes: o.datasetCacheBytes });
    this.backend = await initBackend(o.backend, () => {});
    const backoff = retryBackoff({ baseMs: o.retryBackoffMs });
    const report = await this.recover();
    // What the recovery did at start, the reconciler keeps doing while this process lives: a run whose
    // handler died without settling it (a database error in its last write) would otherwise wait for a restart.
    this.reconciler = createExecutorReconciler({ ...o, queue: this.queue, backoff, log });
    this.unsubscribe = this.queue.onCancelled((runId) => this.active.get(runId)?.stop('cancelled'));
    this.queue.process((job) =>
      executeJob(job, {
        db: o.db,
        workerId: this.workerId,
        enqueue: (runs) => this.queue.enqueue(runs),
        log,
        checkpoints: o.checkpoints,
        executeRun: o.executeRun,
        maxAttempts: o.maxAttempts,
        backoff,
        heartbeatIntervalMs: o.heartbeatIntervalMs,
        batchProgressIntervalMs: o.batchProgressIntervalMs,
        active: this.active,
        dataRoots: o.dataRoots,
      }),
    );
    await this.reconciler.start();
    return report;
  }

  private async recover(): Promise<RecoveryReport> {
    const { db, maxAttempts } = this.options;
    const orphans = await listRunningRuns(db);
    for (const run of orphans) {
      const r = await retryRun(db, run.id, run.attempt, {
        message: 'the process executing it stopped before the run finished',
        maxAttempts,
      });
      if (r.outcome === 'retried') await this.queue.enqueue([r.job]);
    }
    const due = await dueRuns(db, { queuedForMs: 0, limit: 1_000_000 });
    await this.queue.enqueue(due);
    return { orphaned: orphans.length, queued: due.length };
  }

  /**
   * Stops: the executing runs are stopped at once and released as their next attempt (not counted as a
   * failure; a checkpointed run resumes from its last epoch at the next start); waiting jobs are dropped
   * (they stay `queued` in the database). Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.unsubscribe?.();
      await this.reconciler?.close();
      for (const control of this.active.values()) control.stop('shutdown');
      await this.queue.close();
    })();
    return this.closing;
  }
}

/**
 * The executor's lines go to a human (the terminal of `serve` or `run`), so they stay text, but with control
 * characters escaped: a message carries user input (a data path, a loader's error) that must not forge lines.
 */
function escapedLog(log: ((message: string) => void) | undefined): (message: string) => void {
  return log === undefined ? () => {} : (message) => log(escapeControlCharacters(message));
}
