import { buildApp } from '@distillery/api';
import { claimRun, createTeam, type Store } from '@distillery/db';
import { createTestEmbeddedStore, type PrismaClient, type TestEmbeddedStore } from '@distillery/db/testing';
import { InProcessQueue } from '@distillery/queue';
import { InProcessExecutor } from '@distillery/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TRAIN = { epochs: 2, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } };
const SWEEP = {
  name: 'executor',
  dataset: { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } },
  teacher: { model: { family: 'mlp', hidden: [16], activation: 'relu' }, train: TRAIN },
  students: { model: { family: 'mlp', hidden: [4], activation: 'relu' }, train: { ...TRAIN, epochs: 1 } },
  quantize: [],
  seeds: [1],
};

/** Submits SWEEP through the API onto a queue nobody executes; the sweep id. */
async function submitWithoutExecuting(store: Store, teacherSeed: number): Promise<string> {
  const queue = new InProcessQueue();
  const app = await buildApp({ db: store, queue, redisProbe: queue });
  try {
    const { apiKey } = await createTeam(store, `team-${teacherSeed}`);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      headers: { authorization: `Bearer ${apiKey}` },
      payload: { ...SWEEP, teacher: { ...SWEEP.teacher, seed: teacherSeed } },
    });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { id: string }).id;
  } finally {
    await app.close();
    await queue.close();
  }
}

async function sweepState(db: PrismaClient, sweepId: string): Promise<string> {
  for (;;) {
    const { state } = await db.sweep.findUniqueOrThrow({ where: { id: sweepId } });
    if (state !== 'running') return state;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('InProcessExecutor', () => {
  let embedded: TestEmbeddedStore;
  let db: PrismaClient;
  let store: Store;
  beforeAll(async () => {
    embedded = await createTestEmbeddedStore();
    db = embedded.db;
    store = embedded.store;
  });
  afterAll(() => embedded?.remove());

  describe('when a previous process died while a run was running', () => {
    let sweepId: string;
    beforeAll(async () => {
      sweepId = await submitWithoutExecuting(store, 301);
      const teacher = await db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
      expect(await claimRun(store, teacher.id, 1, 'a-process-that-died', { maxAttempts: 3 })).not.toBeNull();
    });

    it('retries that run as its next attempt, counted as a failure, and finishes the sweep', async () => {
      const executor = new InProcessExecutor({ db: store, backend: 'wasm' });
      try {
        expect(await executor.start()).toEqual({ orphaned: 1, queued: 1 });
        expect(await sweepState(db, sweepId)).toBe('succeeded');
      } finally {
        await executor.close();
      }
      const teacher = await db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
      expect(teacher).toMatchObject({ state: 'succeeded', attempt: 2, failures: 1 });
    });
  });

  describe('when a run is claimed by a handler that dies while the process lives', () => {
    it("retries the run once its heartbeat is stale (the reconciler's pass) and finishes the sweep", async () => {
      const executor = new InProcessExecutor({
        db: store,
        backend: 'wasm',
        heartbeatIntervalMs: 50,
        staleAfterMs: 300,
        reconcileIntervalMs: 100,
        retryBackoffMs: 0,
      });
      await executor.start();
      try {
        // Claimed at once after the commit, well inside the reconciler's grace for freshly queued runs.
        const sweepId = await submitWithoutExecuting(store, 303);
        const teacher = await db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
        expect(await claimRun(store, teacher.id, 1, 'a-handler-that-died', { maxAttempts: 3 })).not.toBeNull();
        expect(await sweepState(db, sweepId)).toBe('succeeded');
        const after = await db.run.findUniqueOrThrow({ where: { id: teacher.id } });
        expect(after).toMatchObject({ attempt: 2, failures: 1 });
      } finally {
        await executor.close();
      }
    });
  });

  describe('when it is closed while a run trains', () => {
    let sweepId: string;
    beforeAll(async () => {
      sweepId = await submitWithoutExecuting(store, 302);
      // Closed the moment the executor says the teacher started: the run is claimed and stopping mid-way.
      let closing: Promise<void> | undefined;
      const executor: InProcessExecutor = new InProcessExecutor({ db: store, backend: 'wasm' });
      executor.events.on('run-started', () => {
        closing ??= executor.close();
      });
      await executor.start();
      while (closing === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
      await closing;
    });

    it('releases the run as its next attempt without counting a failure', async () => {
      const teacher = await db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
      expect(teacher).toMatchObject({ state: 'queued', attempt: 2, failures: 0 });
    });

    it('finishes the sweep after the next start', async () => {
      const executor = new InProcessExecutor({ db: store, backend: 'wasm' });
      try {
        await executor.start();
        expect(await sweepState(db, sweepId)).toBe('succeeded');
      } finally {
        await executor.close();
      }
    });
  });
});
