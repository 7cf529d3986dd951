import { claimRun, completeRun, recordCheckpoint } from '@distillery/db';
import { RUN_QUEUE_NAME, runJobId } from '@distillery/queue';
import { Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { Reconciler } from '../src/reconciler/reconciler.ts';
import { STAND_IN_RESULT } from './support/fake-training.ts';
import { REDIS_URL, tinySweep } from './support/test-world.ts';
import { useWorldWithCheckpoints } from './support/world-with-checkpoints.ts';

const suite = useWorldWithCheckpoints('distillery-reconciler-');

const reconciler = (options: { maxAttempts?: number } = {}) =>
  new Reconciler({
    db: suite.world.database.store,
    queue: suite.world.queue,
    checkpoints: suite.store,
    staleAfterMs: 30_000,
    queuedGraceMs: 0,
    backoff: () => 0,
    ...options,
  });
const jobIds = async () =>
  (await suite.world.queue.queue.getJobs(['waiting', 'prioritized', 'delayed', 'active'])).map((j) => j.id);
const silence = (runId: string) =>
  suite.world.database.db
    .$executeRaw`UPDATE runs SET heartbeat_at = now() - interval '1 hour' WHERE id = ${runId}::uuid`;

describe('Reconciler', () => {
  it('puts back on the queue the queued runs Redis lost, once', async () => {
    const { teacher } = await suite.world.submit(tinySweep());
    await suite.world.queue.queue.obliterate({ force: true });
    expect(await jobIds()).toEqual([]);
    expect((await reconciler().pass()).requeued).toBeGreaterThanOrEqual(1);
    expect(await jobIds()).toContain(runJobId({ runId: teacher.id, attempt: 1 }));
    expect((await reconciler().pass()).requeued).toBe(0);
  });

  it('replaces the finished job of a run the database still has queued', async () => {
    const { teacher } = await suite.world.submit(tinySweep());
    // A worker whose job failed before its claim reached PostgreSQL (e.g. the database was unreachable).
    const failing = new Worker(
      RUN_QUEUE_NAME,
      async () => {
        throw new Error('database unreachable');
      },
      { connection: { url: REDIS_URL, maxRetriesPerRequest: null }, prefix: suite.world.queue.prefix },
    );
    const id = runJobId({ runId: teacher.id, attempt: 1 });
    await new Promise<void>((resolve) => {
      failing.on('failed', (job) => {
        if (job?.id === id) resolve();
      });
    });
    await failing.close();
    expect(await suite.world.queue.queue.getJobState(id)).toBe('failed');
    await reconciler().pass();
    expect(['waiting', 'prioritized']).toContain(await suite.world.queue.queue.getJobState(id));
  });

  describe('when a worker stops heart-beating', () => {
    it('queues the run again as the next attempt exactly once, however many reconcilers run at once', async () => {
      const { teacher } = await suite.world.submit(tinySweep());
      await claimRun(suite.world.database.store, teacher.id, 1, 'dead-worker');
      await silence(teacher.id);
      const reports = await Promise.all([reconciler().pass(), reconciler().pass(), reconciler().pass()]);
      expect(reports.reduce((n, r) => n + r.retried, 0)).toBe(1);
      const run = await suite.world.database.db.run.findUniqueOrThrow({ where: { id: teacher.id } });
      expect(run).toMatchObject({ state: 'queued', attempt: 2, failures: 1 });
      expect(run.error).toContain('worker dead-worker stopped heart-beating');
      expect(await jobIds()).toContain(runJobId({ runId: teacher.id, attempt: 2 }));
    });

    it('leaves a run whose worker heart-beats alone', async () => {
      const { teacher } = await suite.world.submit(tinySweep());
      await claimRun(suite.world.database.store, teacher.id, 1, 'live-worker');
      expect((await reconciler().pass()).retried).toBe(0);
      expect(await suite.world.database.db.run.findUniqueOrThrow({ where: { id: teacher.id } })).toMatchObject({
        state: 'running',
        attempt: 1,
      });
    });

    it('fails the run and cancels its dependents once it has used up its attempts', async () => {
      const { teacher, student } = await suite.world.submit(tinySweep());
      await claimRun(suite.world.database.store, teacher.id, 1, 'crashing-worker');
      await silence(teacher.id);
      expect((await reconciler({ maxAttempts: 1 }).pass()).failed).toBe(1);
      const run = await suite.world.database.db.run.findUniqueOrThrow({ where: { id: teacher.id } });
      expect(run.state).toBe('failed');
      expect(run.error).toContain('stopped heart-beating');
      expect((await suite.world.database.db.run.findUniqueOrThrow({ where: { id: student.id } })).state).toBe(
        'cancelled',
      );
    });
  });

  it('deletes the checkpoints of finished runs', async () => {
    const { teacher } = await suite.world.submit(tinySweep({}, 3));
    const db = suite.world.database.db;
    await claimRun(suite.world.database.store, teacher.id, 1, 'w');
    const file = { name: 'state.bin', contentType: 'application/octet-stream', data: Uint8Array.of(1) };
    const saved = await suite.store.save(teacher.id, 1, { epoch: 2, files: [file] });
    expect(
      await recordCheckpoint(suite.world.database.store, { runId: teacher.id, attempt: 1, epoch: 2, ...saved }),
    ).toBe(true);
    expect((await reconciler().pass()).checkpointsDeleted).toBe(0);
    await completeRun(suite.world.database.store, teacher.id, 1, STAND_IN_RESULT, []);
    expect((await reconciler().pass()).checkpointsDeleted).toBe(1);
    expect(await suite.store.load(teacher.id)).toBeNull();
    expect(await db.checkpoint.count({ where: { runId: teacher.id } })).toBe(0);
  });
});
