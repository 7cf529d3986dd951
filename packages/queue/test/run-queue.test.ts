import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisProbe, RunQueue, runJobId } from '../src/index.ts';

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
