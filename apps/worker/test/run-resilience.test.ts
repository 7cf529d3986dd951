import { cancelRun, claimRun, completeRun, heartbeatRun, recordEpoch } from '@distillery/db';
import { CheckpointError, DatasetError } from '@distillery/ml';
import { describe, expect, it } from 'vitest';
import { executeJob } from '../src/execute-job.ts';
import type { RunControl } from '../src/run-control.ts';
import { fakeTraining, pause, STAND_IN_RESULT } from './support/fake-training.ts';
import { tinySweep } from './support/test-world.ts';
import { useWorldWithCheckpoints } from './support/world-with-checkpoints.ts';

const suite = useWorldWithCheckpoints('distillery-ckpt-');

const run = (id: string) => suite.world.database.db.run.findUniqueOrThrow({ where: { id } });
const epochsOf = async (runId: string) =>
  (await suite.world.database.db.metric.findMany({ where: { runId }, orderBy: { epoch: 'asc' } })).map((m) => m.epoch);

describe('when an attempt fails in a way a retry may fix', () => {
  it('queues the next attempt after a backoff with the error stored, and resumes it from the last checkpoint', async () => {
    const { teacher } = await suite.world.submit(tinySweep({}, 5));
    const first = fakeTraining({
      epochs: 5,
      throwAt: { epoch: 4, error: () => new Error('ECONNRESET: the disk went away') },
    });
    const ctx = suite.world.context({ checkpoints: suite.store, checkpointsSupported: true, backoff: () => 60_000 });
    suite.world.enqueued.length = 0;

    expect(await executeJob({ runId: teacher.id, attempt: 1 }, { ...ctx, executeRun: first.executeRun })).toBe(
      'retried',
    );
    const retried = await run(teacher.id);
    expect(retried).toMatchObject({ state: 'queued', attempt: 2, failures: 1 });
    expect(retried.error).toContain('the disk went away');
    expect(retried.notBefore?.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(suite.world.enqueued).toMatchObject([{ runId: teacher.id, attempt: 2 }]);
    expect(await suite.world.database.db.checkpoint.findUnique({ where: { runId: teacher.id } })).toMatchObject({
      epoch: 3,
      attempt: 1,
    });

    const second = fakeTraining({ epochs: 5 });
    expect(await executeJob({ runId: teacher.id, attempt: 2 }, { ...ctx, executeRun: second.executeRun })).toBe(
      'succeeded',
    );
    expect(second.log).toEqual({ resumedFrom: [3], trained: [4, 5] });
    expect(await run(teacher.id)).toMatchObject({ state: 'succeeded', attempt: 2, resumedFromEpoch: 3 });
    expect(await epochsOf(teacher.id)).toEqual([1, 2, 3, 4, 5]);
    // A succeeded run keeps no checkpoint, in the database or in the store.
    expect(await suite.world.database.db.checkpoint.count({ where: { runId: teacher.id } })).toBe(0);
    expect(await suite.store.load(teacher.id)).toBeNull();
  });

  it('fails the run for good after its last allowed attempt and cancels its dependents', async () => {
    const { teacher, student } = await suite.world.submit(tinySweep());
    const flaky = fakeTraining({ epochs: 2, throwAt: { epoch: 1, error: () => new Error('socket hang up') } });
    const ctx = suite.world.context({ executeRun: flaky.executeRun, maxAttempts: 2, backoff: () => 0 });
    expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('retried');
    expect(await executeJob({ runId: teacher.id, attempt: 2 }, ctx)).toBe('failed');
    const failed = await run(teacher.id);
    expect(failed).toMatchObject({ state: 'failed', attempt: 2, failures: 2 });
    expect(failed.error).toContain('socket hang up');
    expect(failed.error).toContain('2 of 2 allowed failures');
    expect((await run(student.id)).state).toBe('cancelled');
  });

  it('starts again from epoch 0 when packages/ml refuses the checkpoint (e.g. written on another backend)', async () => {
    const { teacher } = await suite.world.submit(tinySweep({}, 4));
    const db = suite.world.database.db;
    const file = { name: 'state.bin', contentType: 'application/octet-stream', data: Uint8Array.of(1) };
    await suite.store.save(teacher.id, 1, { epoch: 2, files: [file] });
    const training = fakeTraining({ epochs: 4 });
    const refusing: typeof training.executeRun = async (input) => {
      if (input.resumeFrom) throw new CheckpointError('backend', 'written on tensorflow, resuming on wasm');
      return training.executeRun(input);
    };
    const ctx = suite.world.context({ checkpoints: suite.store, checkpointsSupported: true, executeRun: refusing });
    expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('succeeded');
    expect(training.log).toEqual({ resumedFrom: [0], trained: [1, 2, 3, 4] });
    expect(await db.run.findUniqueOrThrow({ where: { id: teacher.id } })).toMatchObject({ resumedFromEpoch: 0 });
  });

  it('resumes from epoch 0 when packages/ml cannot checkpoint', async () => {
    const { teacher } = await suite.world.submit(tinySweep());
    const training = fakeTraining({ epochs: 3 });
    const ctx = suite.world.context({
      checkpoints: suite.store,
      checkpointsSupported: false,
      executeRun: training.executeRun,
    });
    expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('succeeded');
    expect(training.log.resumedFrom).toEqual([0]);
    expect(await suite.world.database.db.checkpoint.count({ where: { runId: teacher.id } })).toBe(0);
  });
});

describe('when retrying cannot help', () => {
  it('fails at once with the reason when the data path is bad', async () => {
    const { teacher } = await suite.world.submit(tinySweep());
    const training = fakeTraining({
      epochs: 3,
      throwAt: { epoch: 1, error: () => new DatasetError('DATASET_FILE', "cannot read '/nope/train-images': ENOENT") },
    });
    expect(
      await executeJob({ runId: teacher.id, attempt: 1 }, suite.world.context({ executeRun: training.executeRun })),
    ).toBe('failed');
    const failed = await run(teacher.id);
    expect(failed).toMatchObject({ state: 'failed', attempt: 1, failures: 0 });
    expect(failed.error).toBe("DatasetError: cannot read '/nope/train-images': ENOENT");
  });

  it('fails at once when the loss becomes NaN, naming the epoch', async () => {
    const { teacher } = await suite.world.submit(tinySweep());
    const training = fakeTraining({ epochs: 5, nanAt: 2 });
    expect(
      await executeJob({ runId: teacher.id, attempt: 1 }, suite.world.context({ executeRun: training.executeRun })),
    ).toBe('failed');
    expect((await run(teacher.id)).error).toBe(
      'NonFiniteLossError: the training loss became NaN at epoch 2 (diverged: try a lower learning rate)',
    );
  });
});

describe('when a running run is cancelled', () => {
  it('stops training at the next heartbeat, writes no result and cancels its dependents', async () => {
    const { teacher, student, ptq } = await suite.world.submit(tinySweep());
    let cancelled = false;
    const training = fakeTraining({
      epochs: 1000,
      beforeEpoch: async (epoch, signal) => {
        if (epoch === 3 && !cancelled) {
          cancelled = true;
          await cancelRun(suite.world.database.store, suite.world.teamId, teacher.id, 'cancelled by request');
        }
        await pause(2, signal);
      },
    });
    const ctx = suite.world.context({ executeRun: training.executeRun, heartbeatIntervalMs: 10 });
    expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('cancelled');
    expect(training.log.trained.length).toBeLessThan(1000);
    expect(await suite.world.database.db.result.count({ where: { runId: teacher.id } })).toBe(0);
    for (const id of [teacher.id, student.id, ptq.id]) expect((await run(id)).state).toBe('cancelled');
  });

  it('discards a result that arrives after the cancellation', async () => {
    const { teacher } = await suite.world.submit(tinySweep());
    const claimed = await claimRun(suite.world.database.store, teacher.id, 1, 'w');
    expect(claimed).not.toBeNull();
    await cancelRun(suite.world.database.store, suite.world.teamId, teacher.id, 'cancelled by request');
    const done = await completeRun(suite.world.database.store, teacher.id, 1, STAND_IN_RESULT, []);
    expect(done).toEqual({ completed: false, released: [] });
    expect(await suite.world.database.db.result.count({ where: { runId: teacher.id } })).toBe(0);
  });
});

describe('when the worker shuts down', () => {
  it('stops a checkpointing run right after its next checkpoint and releases it without counting a failure', async () => {
    const { teacher } = await suite.world.submit(tinySweep({}, 10));
    const active = new Map<string, RunControl>();
    const training = fakeTraining({
      epochs: 10,
      beforeEpoch: async (epoch) => {
        // SIGTERM arrives during epoch 4.
        if (epoch === 4) for (const c of active.values()) c.stopAfterCheckpoint = true;
      },
    });
    suite.world.enqueued.length = 0;
    const ctx = suite.world.context({
      executeRun: training.executeRun,
      checkpoints: suite.store,
      checkpointsSupported: true,
      active,
    });
    expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('released');
    expect(training.log.trained).toEqual([1, 2, 3, 4]);
    expect(await run(teacher.id)).toMatchObject({ state: 'queued', attempt: 2, failures: 0 });
    expect(suite.world.enqueued).toMatchObject([{ runId: teacher.id, attempt: 2 }]);
    expect((await suite.store.load(teacher.id))?.epoch).toBe(4);
  });
});

describe('when the same attempt completes several times at once (redelivery racing the original)', () => {
  it('stores exactly one result, one success event and releases the children once', async () => {
    const { teacher, student } = await suite.world.submit(tinySweep());
    const db = suite.world.database.db;
    await claimRun(suite.world.database.store, teacher.id, 1, 'w');
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => completeRun(suite.world.database.store, teacher.id, 1, STAND_IN_RESULT, [])),
    );
    expect(outcomes.filter((o) => o.completed)).toHaveLength(1);
    expect(outcomes.flatMap((o) => o.released).map((r) => r.runId)).toEqual([student.id]);
    expect(await db.result.count({ where: { runId: teacher.id } })).toBe(1);
    const events = await db.runEvent.findMany({ where: { runId: teacher.id, type: 'state' } });
    expect(events.filter((e) => (e.data as { state: string }).state === 'succeeded')).toHaveLength(1);
  });
});

describe('when another worker takes a run over', () => {
  it('fences the old attempt off: its heartbeats and epochs change nothing', async () => {
    const { teacher } = await suite.world.submit(tinySweep());
    const db = suite.world.database.db;
    await claimRun(suite.world.database.store, teacher.id, 1, 'slow-worker');
    // BullMQ redelivers the job of attempt 1 (the slow worker's lock expired): the new holder runs attempt 2.
    const taken = await claimRun(suite.world.database.store, teacher.id, 1, 'fast-worker');
    expect(taken).toMatchObject({ redelivered: true, run: { attempt: 2, workerId: 'fast-worker', failures: 1 } });
    expect(await heartbeatRun(suite.world.database.store, teacher.id, 1)).toBe(false);
    expect(await recordEpoch(suite.world.database.store, teacher.id, 1, epoch(1))).toBe(false);
    expect(await completeRun(suite.world.database.store, teacher.id, 1, STAND_IN_RESULT, [])).toMatchObject({
      completed: false,
    });
    expect(await completeRun(suite.world.database.store, teacher.id, 2, STAND_IN_RESULT, [])).toMatchObject({
      completed: true,
    });
    expect(await db.result.count({ where: { runId: teacher.id } })).toBe(1);
  });
});

function epoch(n: number) {
  return {
    epoch: n,
    epochs: 3,
    trainLoss: 1,
    trainAccuracy: 0.5,
    valLoss: null,
    valAccuracy: null,
    learningRate: 0.1,
    seconds: 0,
  };
}
