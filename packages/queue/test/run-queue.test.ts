import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { jobPriority, RedisProbe, RUN_QUEUE_NAME, type RunJob, RunQueue, runJobId } from '../src/index.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('RunQueue', () => {
  const queue = new RunQueue({ redisUrl: REDIS_URL, prefix: `queue-test-${randomUUID().slice(0, 8)}` });

  afterAll(async () => {
    await queue.queue.obliterate({ force: true });
    await queue.close();
  });

  it('queues each run attempt once however often it is enqueued', async () => {
    const runId = randomUUID();
    await queue.enqueue([{ runId, attempt: 1 }]);
    await queue.enqueue([{ runId, attempt: 1 }]);
    await queue.enqueue([{ runId, attempt: 2 }]);
    const jobs = await queue.queue.getJobs(['waiting', 'prioritized']);
    expect(jobs.map((j) => j.id).sort()).toEqual(
      [runJobId({ runId, attempt: 1 }), runJobId({ runId, attempt: 2 })].sort(),
    );
    expect(jobs.map((j) => j.data).sort((a, b) => a.attempt - b.attempt)).toEqual([
      { runId, attempt: 1 },
      { runId, attempt: 2 },
    ]);
  });
});

describe('RedisProbe', () => {
  it('answers when Redis is up', async () => {
    const probe = new RedisProbe(REDIS_URL);
    await expect(probe.ping()).resolves.toBeUndefined();
    await probe.close();
  });

  it('rejects naming the refused connection when Redis is down', async () => {
    const probe = new RedisProbe('redis://127.0.0.1:1');
    await expect(probe.ping(1000)).rejects.toThrow(/ECONNREFUSED 127\.0\.0\.1:1/);
    await probe.close();
  });
});

describe('jobPriority', () => {
  it('ranks every run of a higher-priority sweep before any run of a lower one', () => {
    expect(jobPriority({ priority: 1, position: 90_000 })).toBeLessThan(jobPriority({ priority: 0, position: 0 }));
    expect(jobPriority({ priority: 10, position: 0 })).toBe(1);
    expect(jobPriority({ priority: -10, position: 10 ** 9 })).toBeLessThanOrEqual(2 ** 21 - 1);
  });

  it("puts a small sweep's runs among a large sweep's earliest, not after all of them", () => {
    const largeSweepTenthRun = jobPriority({ position: 10 });
    expect(jobPriority({ position: 0 })).toBeLessThan(largeSweepTenthRun);
    expect(jobPriority({ position: 4 })).toBeLessThan(largeSweepTenthRun);
  });

  it('spaces the runs of a team with several sweeps further apart, so teams share the workers', () => {
    // Team A runs three sweeps, team B one: A's sweeps each advance a third as fast as B's.
    expect(jobPriority({ position: 3, teamSweeps: 3 })).toBe(jobPriority({ position: 9, teamSweeps: 1 }));
  });
});

describe('RunQueue.ensure', () => {
  const queue = new RunQueue({ redisUrl: REDIS_URL, prefix: `queue-ensure-${randomUUID().slice(0, 8)}` });
  afterAll(async () => {
    await queue.queue.obliterate({ force: true });
    await queue.close();
  });

  it('adds the runs whose jobs Redis lost and leaves the others', async () => {
    const kept = { runId: randomUUID(), attempt: 1 };
    const lost = { runId: randomUUID(), attempt: 1 };
    await queue.enqueue([kept]);
    expect(await queue.ensure([kept, lost])).toEqual([lost]);
    expect(await queue.ensure([kept, lost])).toEqual([]);
    expect(await queue.queue.getJobState(runJobId(lost))).toBe('prioritized');
  });

  it('delays a retry until its not-before time', async () => {
    const retry = { runId: randomUUID(), attempt: 2, notBefore: new Date(Date.now() + 60_000) };
    await queue.enqueue([retry]);
    expect(await queue.queue.getJobState(runJobId(retry))).toBe('delayed');
  });
});

describe('a worker taking jobs from the queue', () => {
  const queue = new RunQueue({ redisUrl: REDIS_URL, prefix: `queue-order-${randomUUID().slice(0, 8)}` });
  afterAll(async () => {
    await queue.queue.obliterate({ force: true });
    await queue.close();
  });

  it('starts a small sweep submitted after a large one among the large one’s first runs, and a high-priority one first', async () => {
    const large = Array.from({ length: 60 }, (_, position) => ({ runId: `large-${position}`, attempt: 1, position }));
    const small = Array.from({ length: 3 }, (_, position) => ({ runId: `small-${position}`, attempt: 1, position }));
    const urgent = [{ runId: 'urgent-0', attempt: 1, position: 0, priority: 5 }];
    await queue.enqueue(large);
    await queue.enqueue(small);
    await queue.enqueue(urgent);
    const order: string[] = [];
    const worker = new Worker<RunJob>(
      RUN_QUEUE_NAME,
      async (job) => {
        order.push(job.data.runId);
      },
      { connection: { url: REDIS_URL, maxRetriesPerRequest: null }, prefix: queue.prefix, concurrency: 1 },
    );
    await new Promise<void>((resolve) => {
      worker.on('completed', () => {
        if (order.length === 64) resolve();
      });
    });
    await worker.close();
    expect(order[0]).toBe('urgent-0');
    expect(order.indexOf('small-2')).toBeLessThan(8);
    expect(order.filter((id) => id.startsWith('large-'))).toEqual(large.map((r) => r.runId));
  });
});
