import { hostname } from 'node:os';
import { CancelSubscriber, RUN_QUEUE_NAME, RunQueue } from '@distillery/queue';
import type { RunJob } from '@distillery/spec';
import { Worker } from 'bullmq';
import type { JobOutcome } from './execute-job.ts';
import type { ExecutorListener } from './executor/executor-event.ts';
import type { ExecutorEvents } from './executor/executor-events.ts';
import { RunExecutor } from './executor/run-executor.ts';
import { jsonLineLog, logExecutorEvents } from './log/json-line-log.ts';
import { type RunWorkerOptions, resolveRunWorkerOptions } from './run-worker-options.ts';

/**
 * A worker process's run executor: the {@link RunExecutor} core fed by the BullMQ run queue (one job per
 * training thread at a time), with cancellations from Redis. `close()` is the SIGTERM path: stop taking jobs, let each run
 * reach its next checkpoint (bounded), release it to the queue, exit.
 */
export class RunWorker {
  readonly workerId: string;
  private readonly core: RunExecutor;
  private readonly options: ReturnType<typeof resolveRunWorkerOptions>;
  private readonly queue: RunQueue;
  private worker: Worker<RunJob, JobOutcome> | undefined;
  private cancellations: CancelSubscriber | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: RunWorkerOptions) {
    this.options = resolveRunWorkerOptions(options);
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}`;
    this.queue = new RunQueue({ redisUrl: options.redisUrl, prefix: this.options.prefix });
    this.core = new RunExecutor(this.workerId, this.options, this.queue);
  }

  /** What the worker does, as typed events (a run's start, result, retry, failure; the reconciler's repairs). */
  get events(): ExecutorEvents {
    return this.core.events;
  }

  /** The TensorFlow.js backend in use, once started. */
  get backend(): string | undefined {
    return this.core.backend;
  }

  /**
   * Starts consuming. `listener` receives every event of the worker.
   * @defaultValue JSON lines on stdout ({@link jsonLineLog}): messages carry user input (data paths, loader
   * errors), which must not be able to forge lines
   */
  async start(listener: ExecutorListener = logExecutorEvents(jsonLineLog())): Promise<void> {
    const o = this.options;
    this.core.events.onEvery(listener);
    await this.core.loadBackend();
    this.cancellations = new CancelSubscriber(o.redisUrl, o.prefix, (runId) => this.core.cancel(runId));
    await this.cancellations.start();
    await this.core.startReconciler();
    this.worker = new Worker<RunJob, JobOutcome>(RUN_QUEUE_NAME, (job) => this.core.execute(job.data), {
      connection: { url: o.redisUrl, maxRetriesPerRequest: null },
      prefix: o.prefix,
      concurrency: o.threads,
      lockDuration: o.lockDurationMs,
    });
    this.worker.on('error', (err) => this.core.events.emit({ type: 'executor-error', message: err.message }));
    await this.worker.waitUntilReady();
    this.core.announceReady();
  }

  /**
   * Stops taking jobs; asks each checkpointing run to stop right after its next checkpoint and stops the
   * others at once (after `checkpointGraceMs` everything stops); each stopped run is released to the queue as
   * attempt + 1 to resume elsewhere. Closes connections. Resolves within about `shutdownTimeoutMs`; a run not
   * released by then is found by a reconciler once its heartbeat goes stale.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.core.shutdown(this.worker?.close() ?? Promise.resolve());
      await this.cancellations?.close();
      await this.queue.close();
    })();
    return this.closing;
  }
}
