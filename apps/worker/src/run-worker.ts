import { hostname } from 'node:os';
import { queuedRuns, type ReleasedRun } from '@distillery/db';
import { initBackend } from '@distillery/ml';
import { DEFAULT_QUEUE_PREFIX, RUN_QUEUE_NAME, type RunJob, RunQueue } from '@distillery/queue';
import { Worker } from 'bullmq';
import { executeJob, type JobOutcome } from './execute-job.ts';
import { RUN_WORKER_DEFAULTS, type RunWorkerOptions } from './run-worker-options.ts';

/**
 * A worker process's run executor: consumes the run queue, one run at a time by default. On start it
 * re-enqueues every run PostgreSQL says is queued (the database is the source of truth; enqueueing is
 * idempotent per attempt), so a crash between a commit and its enqueue never strands a run.
 */
export class RunWorker {
  readonly workerId: string;
  private readonly options: RunWorkerOptions & Required<Pick<RunWorkerOptions, 'concurrency' | 'lockDurationMs'>>;
  private readonly queue: RunQueue;
  private worker: Worker<RunJob, JobOutcome> | undefined;
  backend: string | undefined;

  constructor(options: RunWorkerOptions) {
    this.options = { ...RUN_WORKER_DEFAULTS, ...options };
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}`;
    this.queue = new RunQueue({ redisUrl: options.redisUrl, prefix: options.prefix ?? DEFAULT_QUEUE_PREFIX });
  }

  async start(log: (message: string) => void = console.log): Promise<void> {
    this.backend = await initBackend(this.options.backend);
    const enqueue = (runs: ReleasedRun[]) => this.queue.enqueue(runs);
    await enqueue(await queuedRuns(this.options.db));
    this.worker = new Worker<RunJob, JobOutcome>(
      RUN_QUEUE_NAME,
      (job) => executeJob(job.data, { db: this.options.db, workerId: this.workerId, enqueue, log }),
      {
        connection: { url: this.options.redisUrl, maxRetriesPerRequest: null },
        prefix: this.options.prefix ?? DEFAULT_QUEUE_PREFIX,
        concurrency: this.options.concurrency,
        lockDuration: this.options.lockDurationMs,
      },
    );
    this.worker.on('error', (err) => log(`worker error: ${err.message}`));
    await this.worker.waitUntilReady();
    log(`worker ${this.workerId} ready (backend ${this.backend}, concurrency ${this.options.concurrency})`);
  }

  /** Stops taking jobs, waits for the current run to finish, and closes connections. */
  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
