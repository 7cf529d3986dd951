import { buildApp } from '@distillery/api';
import {
  claimRun,
  createTeam,
  deleteCheckpointRecord,
  dueRuns,
  failRun,
  findCheckpoint,
  finishedRunCheckpoints,
  heartbeatRun,
  markResumed,
  recordCheckpoint,
  recordEpoch,
  retryRun,
  type Store,
  staleRuns,
} from '@distillery/db';
import { createTestEmbeddedStore, type PrismaClient, type TestEmbeddedStore } from '@distillery/db/testing';
import { InProcessQueue } from '@distillery/queue';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TRAIN = { epochs: 2, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } };
const SWEEP = {
  name: 'transitions',
  dataset: { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } },
  teacher: { model: { family: 'mlp', hidden: [16], activation: 'relu' }, train: TRAIN },
  students: { model: { family: 'mlp', hidden: [4], activation: 'relu' }, train: TRAIN },
  quantize: [{ method: 'ptq', bits: 8 }],
  seeds: [1],
};
const EPOCH = { epochs: 2, trainLoss: 1, trainAccuracy: 0.5, valLoss: null, valAccuracy: null, learningRate: 0.01 };

/**
 * The run life-cycle's statements that a healthy in-process sweep does not reach (heartbeats, checkpoints,
 * resume, lost workers, permanent failure, cancelling one run), each executed on PGlite: the embedded store
 * must accept every raw statement of packages/db, not only those of the happy path.
 */
describe('the run life-cycle on the embedded store', () => {
  let embedded: TestEmbeddedStore;
  let db: PrismaClient;
  let store: Store;
  let app: FastifyInstance;
  let queue: InProcessQueue;
  let auth: { authorization: string };

  const submit = async (seed: number) => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      headers: auth,
      payload: { ...SWEEP, teacher: { ...SWEEP.teacher, seed } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const sweepId = (res.json() as { id: string }).id;
    const teacher = await db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
    return { sweepId, teacherId: teacher.id };
  };

  beforeAll(async () => {
    embedded = await createTestEmbeddedStore();
    db = embedded.db;
    store = embedded.store;
    // A queue nobody executes: the test moves the runs itself.
    queue = new InProcessQueue();
    app = await buildApp({ db: store, queue, redisProbe: queue });
    auth = { authorization: `Bearer ${(await createTeam(store, 'transitions')).apiKey}` };
  });
  afterAll(async () => {
    await app?.close();
    await queue?.close();
    await embedded?.remove();
  });

  describe('a teacher that heart-beats, checkpoints, loses its worker, resumes and fails for good', () => {
    let sweepId: string;
    let teacherId: string;
    beforeAll(async () => {
      ({ sweepId, teacherId } = await submit(1));
    });

    it('is due, then claimed, heart-beaten and records an epoch and a checkpoint', async () => {
      expect((await dueRuns(store)).map((r) => r.runId)).toContain(teacherId);
      expect(await claimRun(store, teacherId, 1, 'worker-a', { maxAttempts: 3 })).not.toBeNull();
      expect(await heartbeatRun(store, teacherId, 1)).toBe(true);
      expect(await recordEpoch(store, teacherId, 1, { ...EPOCH, epoch: 1, seconds: 0.1 })).toBe(true);
      expect(
        await recordCheckpoint(store, { runId: teacherId, attempt: 1, epoch: 1, location: '/ckpt', bytes: 10 }),
      ).toBe(true);
      expect(await findCheckpoint(store, teacherId)).toMatchObject({ epoch: 1, attempt: 1 });
    });

    it('is found stale once its heartbeat is older than the limit, and retried as attempt 2', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await staleRuns(store, 1)).map((r) => r.runId)).toContain(teacherId);
      const retried = await retryRun(store, teacherId, 1, { message: 'worker-a went silent', staleForMs: 1 });
      expect(retried).toMatchObject({ outcome: 'retried', job: { runId: teacherId, attempt: 2 } });
    });

    it('resumes from its checkpoint, then fails for good, cancelling its dependents', async () => {
      expect(await claimRun(store, teacherId, 2, 'worker-b', { maxAttempts: 3 })).not.toBeNull();
      expect(await markResumed(store, teacherId, 2, 1, 2)).toBe(true);
      expect(await failRun(store, teacherId, 2, 'the data set path does not exist')).toBe(true);
      const runs = await db.run.findMany({ where: { sweepId }, select: { kind: true, state: true } });
      expect(runs.filter((r) => r.kind !== 'teacher').every((r) => r.state === 'cancelled')).toBe(true);
      expect((await db.sweep.findUniqueOrThrow({ where: { id: sweepId } })).state).toBe('failed');
    });

    it("leaves its checkpoint for the reconciler's clean-up, which deletes the record", async () => {
      expect((await finishedRunCheckpoints(store)).map((c) => c.runId)).toContain(teacherId);
      await deleteCheckpointRecord(store, teacherId);
      expect(await findCheckpoint(store, teacherId)).toBeNull();
    });
  });

  it('cancels one run through the API, and its dependents with it', async () => {
    const { sweepId, teacherId } = await submit(2);
    const res = await app.inject({ method: 'POST', url: `/v1/runs/${teacherId}/cancel`, headers: auth });
    expect(res.statusCode, res.body).toBe(200);
    const runs = await db.run.findMany({ where: { sweepId }, select: { state: true } });
    expect(runs.every((r) => r.state === 'cancelled')).toBe(true);
    expect((await db.sweep.findUniqueOrThrow({ where: { id: sweepId } })).state).toBe('cancelled');
  });
});
