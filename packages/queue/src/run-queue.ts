import { Queue } from 'bullmq';
import { type RunJob, runJobId } from './run-job.ts';
import { DEFAULT_QUEUE_PREFIX, RUN_QUEUE_NAME, type RunQueueOptions } from './run-queue-options.ts';

/** The producer side: puts runs on the queue. Used by the API (root runs) and workers (released children). */
export class RunQueue {
  readonly queue: Queue<RunJob>;

  constructor(options: RunQueueOptions) {
    this.queue = new Queue<RunJob>(RUN_QUEUE_NAME, {
      connection: { url: options.redisUrl, maxRetriesPerRequest: null },
      prefix: options.prefix ?? DEFAULT_QUEUE_PREFIX,
      defaultJobOptions: {
        // Retries are decided by the run's state in PostgreSQL, not by BullMQ.
        attempts: 1,
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 1000 },
      },
    });
  }

  async enqueue(jobs: RunJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(jobs.map((data) => ({ name: 'run', data, opts: { jobId: runJobId(data) } })));
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
