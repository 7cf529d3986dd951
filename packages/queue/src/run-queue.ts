import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { jobPriority } from './job-priority.ts';
import { type RunDispatch, type RunJob, runJobId } from './run-job.ts';
import { DEFAULT_QUEUE_PREFIX, RUN_QUEUE_NAME, type RunQueueOptions } from './run-queue-options.ts';

/** The Redis pub/sub channel on which cancelled run ids are announced, per queue prefix. */
export function cancelChannel(prefix: string): string {
  return `${prefix}:${RUN_QUEUE_NAME}:cancelled`;
}

/**
 * The producer side: puts runs on the queue (the API for root runs, workers for released children and
 * retries, the reconciler for runs Redis lost), takes cancelled runs off it, and announces cancellations to
 * the workers executing them.
 */
export class RunQueue {
  readonly queue: Queue<RunJob>;
  readonly prefix: string;
  private readonly redisUrl: string;
  private redis: Redis | undefined;

  constructor(options: RunQueueOptions) {
    this.prefix = options.prefix ?? DEFAULT_QUEUE_PREFIX;
    this.redisUrl = options.redisUrl;
    this.queue = new Queue<RunJob>(RUN_QUEUE_NAME, {
      connection: { url: options.redisUrl, maxRetriesPerRequest: null },
      prefix: this.prefix,
      defaultJobOptions: {
        // Retries are decided by the run's state in PostgreSQL, not by BullMQ.
        attempts: 1,
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 1000 },
      },
    });
  }

  /** Adds one job per run attempt (a no-op for an attempt already queued), ranked and delayed. */
  async enqueue(runs: readonly RunDispatch[]): Promise<void> {
    if (runs.length === 0) return;
    const now = Date.now();
    await this.queue.addBulk(
      runs.map((r) => ({
        name: 'run',
        data: { runId: r.runId, attempt: r.attempt },
        opts: {
          jobId: runJobId(r),
          priority: jobPriority(r),
          ...(r.notBefore && r.notBefore.getTime() > now ? { delay: r.notBefore.getTime() - now } : {}),
        },
      })),
    );
  }

  /**
   * Makes sure each run's job is on the queue, waiting or active: adds the missing ones (Redis restarted or was
   * flushed) and replaces ones that already finished (e.g. a job that failed before its claim reached the
   * database). Returns the runs it (re)added. Safe to call concurrently: the database fences executions.
   *
   * Cheap enough to call every few seconds with a thousand queued runs: one pipelined round trip asks, for
   * each job hash (`queue.toKey(jobId)`), whether it exists and whether it has finished (`finishedOn`).
   */
  async ensure(runs: readonly RunDispatch[]): Promise<RunDispatch[]> {
    if (runs.length === 0) return [];
    const redis = this.connection();
    const pipeline = redis.pipeline();
    for (const r of runs) {
      const key = this.queue.toKey(runJobId(r));
      pipeline.exists(key);
      pipeline.hget(key, 'finishedOn');
    }
    const replies = (await pipeline.exec()) ?? [];
    const missing: RunDispatch[] = [];
    for (const [i, run] of runs.entries()) {
      const [existsError, exists] = replies[2 * i] ?? [];
      const [finishedError, finishedOn] = replies[2 * i + 1] ?? [];
      if (existsError || finishedError) throw existsError ?? finishedError;
      if (exists === 0) missing.push(run);
      else if (finishedOn !== null && (await this.queue.remove(runJobId(run))) === 1) missing.push(run);
    }
    await this.enqueue(missing);
    return missing;
  }

  /** Removes the jobs of these run attempts if no worker holds them (an active job is left to its worker). */
  async remove(jobs: readonly RunJob[]): Promise<void> {
    await Promise.all(jobs.map((j) => this.queue.remove(runJobId(j)).catch(() => 0)));
  }

  /** Tells every worker that these runs were cancelled, so one executing them stops within a batch. */
  async announceCancelled(runIds: readonly string[]): Promise<void> {
    if (runIds.length === 0) return;
    await this.connection().publish(cancelChannel(this.prefix), JSON.stringify(runIds));
  }

  /** A plain connection of our own (BullMQ's are not meant for other commands). */
  private connection(): Redis {
    if (!this.redis) {
      this.redis = new Redis(this.redisUrl, { maxRetriesPerRequest: 1 });
      this.redis.on('error', () => {});
    }
    return this.redis;
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis?.disconnect();
  }
}
