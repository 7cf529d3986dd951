import { randomUUID } from 'node:crypto';
import { buildApp } from '@distillery/api';
import { createTeam } from '@distillery/db';
import { createTestDatabase, type TestDatabase } from '@distillery/db/testing';
import { RedisProbe, RunQueue } from '@distillery/queue';
import type { DataRoots, RunDispatch } from '@distillery/spec';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { JobContext } from '../../src/execute-job.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let nextTeacherSeed = 1;
export const SYNTHETIC = { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } };

/**
 * A tiny sweep on generated data: teacher → student → 8-bit PTQ. Each call's teacher has its own seed (identical
 * teachers would be reused across sweeps) and `teacherEpochs` epochs.
 */
export function tinySweep(overrides: Record<string, unknown> = {}, teacherEpochs = 1) {
  const train = { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } };
  return {
    name: 'worker-test',
    dataset: SYNTHETIC,
    teacher: {
      model: { family: 'mlp', hidden: [16], activation: 'relu' },
      train: { ...train, epochs: teacherEpochs },
      seed: nextTeacherSeed++,
    },
    students: { model: { family: 'mlp', hidden: [4], activation: 'relu' }, train },
    quantize: [{ method: 'ptq', bits: 8 }],
    seeds: [1],
    ...overrides,
  };
}

/** One suite's world: a fresh database, a team, the API (for submissions) and a queue with its own prefix. */
export interface TestWorld {
  database: TestDatabase;
  app: FastifyInstance;
  queue: RunQueue;
  apiKey: string;
  teamId: string;
  /** Jobs the context's `enqueue` received. */
  enqueued: RunDispatch[];
  /** A job context on the world's database; `overrides` replace fields. */
  context(overrides?: Partial<JobContext>): JobContext;
  /** Submits a sweep over the API and returns its runs by kind. */
  submit(spec: Record<string, unknown>): Promise<SubmittedSweep>;
  close(): Promise<void>;
}

export interface SubmittedSweep {
  sweepId: string;
  teacher: { id: string };
  student: { id: string };
  ptq: { id: string };
}

/** A fresh {@link TestWorld}; `dataRoots` are where the API resolves sweeps' data paths (none by default). */
export async function createTestWorld(options: { dataRoots?: DataRoots } = {}): Promise<TestWorld> {
  const database = await createTestDatabase();
  const team = await createTeam(database.store, `workers-${randomUUID().slice(0, 8)}`);
  const queue = new RunQueue({ redisUrl: REDIS_URL, prefix: `worker-test-${randomUUID().slice(0, 8)}` });
  const probe = new RedisProbe(REDIS_URL);
  const app = await buildApp({ db: database.store, queue, redisProbe: probe, dataRoots: options.dataRoots });
  const enqueued: RunDispatch[] = [];
  return {
    database,
    app,
    queue,
    apiKey: team.apiKey,
    teamId: team.teamId,
    enqueued,
    context: (overrides = {}) => ({
      db: database.store,
      workerId: 'test-worker',
      enqueue: async (runs) => {
        enqueued.push(...runs);
      },
      ...overrides,
    }),
    submit: async (spec) => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/sweeps',
        headers: { authorization: `Bearer ${team.apiKey}` },
        payload: spec,
      });
      expect(res.statusCode, res.body).toBe(201);
      const sweepId = res.json().id as string;
      const runs = await database.db.run.findMany({ where: { sweepId } });
      const byKind = (kind: string) => runs.find((r) => r.kind === kind) as { id: string };
      return { sweepId, teacher: byKind('teacher'), student: byKind('student'), ptq: byKind('quantize-ptq') };
    },
    close: async () => {
      await app.close();
      await queue.queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      await probe.close();
      await database.drop();
    },
  };
}
