import { describe, expect, it } from 'vitest';
import { InProcessQueue, type RunJob } from '../src/index.ts';

/** A queue whose handler records the order of jobs and holds each until released. */
function recordingQueue(concurrency = 1) {
  const started: string[] = [];
  const holds = new Map<string, () => void>();
  const queue = new InProcessQueue({ concurrency });
  queue.process(
    (job: RunJob) =>
      new Promise<void>((resolve) => {
        started.push(`${job.runId}#${job.attempt}`);
        holds.set(job.runId, resolve);
      }),
  );
  const finish = (runId: string) => holds.get(runId)?.();
  return { queue, started, finish };
}

describe('InProcessQueue', () => {
  it('starts jobs by priority, then first in, one at a time by default', async () => {
    const { queue, started, finish } = recordingQueue();
    await queue.enqueue([{ runId: 'blocker', attempt: 1 }]);
    await queue.enqueue([
      { runId: 'late-low', attempt: 1, priority: 0, position: 5 },
      { runId: 'first-low', attempt: 1, priority: 0, position: 1 },
      { runId: 'high', attempt: 1, priority: 10, position: 9 },
      { runId: 'second-low', attempt: 1, priority: 0, position: 1 },
    ]);
    for (const id of ['blocker', 'high', 'first-low', 'second-low', 'late-low']) {
      await expect.poll(() => started.at(-1)).toBe(`${id}#1`);
      finish(id);
    }
    await queue.idle();
    expect(started).toEqual(['blocker#1', 'high#1', 'first-low#1', 'second-low#1', 'late-low#1']);
    await queue.close();
  });

  it('holds each run attempt once however often it is enqueued or ensured', async () => {
    const { queue, started, finish } = recordingQueue();
    await queue.enqueue([{ runId: 'a', attempt: 1 }]);
    await queue.enqueue([{ runId: 'a', attempt: 1 }]);
    expect(await queue.ensure([{ runId: 'a', attempt: 1 }])).toEqual([]);
    expect(await queue.ensure([{ runId: 'a', attempt: 2 }])).toEqual([{ runId: 'a', attempt: 2 }]);
    await expect.poll(() => started.length).toBe(1);
    finish('a');
    await expect.poll(() => started.length).toBe(2);
    finish('a');
    await queue.idle();
    expect(started).toEqual(['a#1', 'a#2']);
    await queue.close();
  });

  it('waits until a retry is due before starting it', async () => {
    const { queue, started, finish } = recordingQueue();
    const notBefore = new Date(Date.now() + 200);
    await queue.enqueue([{ runId: 'retry', attempt: 2, notBefore }]);
    await queue.enqueue([{ runId: 'now', attempt: 1 }]);
    await expect.poll(() => started).toEqual(['now#1']);
    finish('now');
    await expect.poll(() => started).toEqual(['now#1', 'retry#2']);
    expect(Date.now()).toBeGreaterThanOrEqual(notBefore.getTime());
    finish('retry');
    await queue.close();
  });

  it('withdraws waiting jobs and tells listeners about cancelled runs', async () => {
    const { queue, started, finish } = recordingQueue();
    const cancelled: string[] = [];
    queue.onCancelled((runId) => cancelled.push(runId));
    await queue.enqueue([
      { runId: 'running', attempt: 1 },
      { runId: 'withdrawn', attempt: 1 },
    ]);
    await expect.poll(() => started).toEqual(['running#1']);
    await queue.remove([{ runId: 'withdrawn', attempt: 1 }]);
    await queue.announceCancelled(['running']);
    expect(cancelled).toEqual(['running']);
    finish('running');
    await queue.idle();
    expect(started).toEqual(['running#1']);
    await queue.close();
  });

  it('runs up to its concurrency at once', async () => {
    const { queue, started, finish } = recordingQueue(2);
    await queue.enqueue([
      { runId: 'x', attempt: 1 },
      { runId: 'y', attempt: 1 },
      { runId: 'z', attempt: 1 },
    ]);
    await expect.poll(() => started).toEqual(['x#1', 'y#1']);
    expect(queue.size).toEqual({ waiting: 1, active: 2 });
    finish('x');
    await expect.poll(() => started).toEqual(['x#1', 'y#1', 'z#1']);
    finish('y');
    finish('z');
    await queue.idle();
    await queue.close();
  });

  it('rejects a concurrency that is not a positive integer, naming the option', () => {
    expect(() => new InProcessQueue({ concurrency: 0 })).toThrow(/InProcessQueueOptions.concurrency/);
  });

  it('answers its readiness probe until it is closed', async () => {
    const queue = new InProcessQueue();
    await expect(queue.ping()).resolves.toBeUndefined();
    await queue.close();
    await expect(queue.ping()).rejects.toThrow(/closed/);
  });
});
