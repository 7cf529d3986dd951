import { hostname } from 'node:os';
import { dueRuns, listRunningRuns, retryRun } from '@distillery/db';
import { InProcessQueue } from '@distillery/queue';
import type { RunDispatch } from '@distillery/spec';
import type { ExecutorEvents } from '../executor/executor-events.ts';
import { RunExecutor } from '../executor/run-executor.ts';
import { resolveExecutorOptions } from '../executor/run-executor-options.ts';
import { IN_PROCESS_EXECUTOR_DEFAULTS, type InProcessExecutorOptions } from './in-process-executor-options.ts';

/** What {@link InProcessExecutor.start} found in the database. */
export interface RecoveryReport {
  /** Runs left `running` by a process that stopped without releasing them, queued again (or failed). */
  orphaned: number;
  /** Queued runs put on the in-process queue. */
  queued: number;
}

/**
 * The worker of the embedded mode: the {@link RunExecutor} core a BullMQ worker runs too, fed by an
 * {@link InProcessQueue} instead of Redis — the queue the API (in the same process) enqueues into, and where
 * released children and retries go.
 *
 * The store is this process's alone (its lock), so at start every run still `running` was left by a process
 * that died: it is retried (counted as a failed attempt, as the reconciler counts a lost worker), and every
 * queued run is put on the queue. A clean stop (`close`) releases the running runs without counting a failure.
 */
export class InProcessExecutor {
  readonly workerId: string;
  readonly queue: InProcessQueue;
  private readonly core: RunExecutor;
  private unsubscribe: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: InProcessExecutorOptions) {
    const resolved = resolveExecutorOptions(
      'InProcessExecutorOptions',
      { ...options, reconcile: true },
      {
        ...IN_PROCESS_EXECUTOR_DEFAULTS,
      },
    );
    this.workerId = options.workerId ?? `embedded:${hostname()}:${process.pid}`;
    this.queue = new InProcessQueue({
      concurrency: resolved.threads,
      onError: (error, job) =>
        this.core.events.emit({ type: 'job-error', runId: job.runId, message: (error as Error).message }),
    });
    this.core = new RunExecutor(this.workerId, resolved, this.queue);
  }

  /** What the executor does, as typed events (a run's start, result, retry, failure; the reconciler's repairs). */
  get events(): ExecutorEvents {
    return this.core.events;
  }

  /** The TensorFlow.js backend in use, once started. */
  get backend(): string | undefined {
    return this.core.backend;
  }

  /** Loads the TensorFlow.js backend, recovers what a previous process left, and starts executing. */
  async start(): Promise<RecoveryReport> {
    await this.core.loadBackend(() => {});
    const report = await this.recover();
    if (report.orphaned > 0 || report.queued > 0) this.core.events.emit({ type: 'recovered', ...report });
    // What the recovery did at start, the reconciler keeps doing while this process lives: a run whose
    // handler died without settling it (a database error in its last write) would otherwise wait for a restart.
    this.unsubscribe = this.queue.onCancelled((runId) => this.core.cancel(runId));
    this.queue.process((job) => this.core.execute(job));
    await this.core.startReconciler();
    this.core.announceReady();
    return report;
  }

  private async recover(): Promise<RecoveryReport> {
    const { db, maxAttempts } = this.core.options;
    const orphans = await listRunningRuns(db);
    // Queued together once all are retried, so the members of a pack the stopped process trained resume as one.
    const retried: RunDispatch[] = [];
    for (const run of orphans) {
      const r = await retryRun(db, run.id, run.attempt, {
        message: 'the process executing it stopped before the run finished',
        maxAttempts,
      });
      if (r.outcome === 'retried') retried.push(r.job);
    }
    await this.queue.enqueue(retried);
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
      await this.core.shutdown(this.queue.close());
    })();
    return this.closing;
  }
}
