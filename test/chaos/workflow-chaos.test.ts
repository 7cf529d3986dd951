import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestDatabase } from '@distillery/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../support/private-redis.ts';
import { eventually, type WorkerProcess } from '../support/worker-process.ts';
import { createWorkerWorld, type WorkerWorld } from '../support/worker-world.ts';

const SYNTHETIC = { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } };
const TRAIN = { epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.01 } };
/** Enough epochs of tiny training that a teacher is still mid-training when the test strikes. */
const TEACHER_EPOCHS = 40;

/** Teacher + `widths` × `seeds` students, each with an 8-bit PTQ variant: 1 + 2·widths·seeds runs. */
function sweep(name: string, teacherSeed: number, widths: number, seeds: number[]) {
  return {
    name,
    dataset: SYNTHETIC,
    teacher: { model: { family: 'mlp', hidden: [8], activation: 'relu' }, train: TRAIN, seed: teacherSeed },
    students: {
      model: { family: 'mlp', hidden: [4], activation: 'relu' },
      train: TRAIN,
      ...(widths > 1 ? { grid: { 'model.hidden': Array.from({ length: widths }, (_, i) => [i + 1]) } } : {}),
    },
    quantize: [{ method: 'ptq', bits: 8 }],
    seeds,
  };
}

/** A teacher long enough to interrupt, one student, one PTQ variant: 3 runs. */
function longTeacherSweep(name: string, seed: number) {
  return {
    ...sweep(name, seed, 1, [1]),
    teacher: {
      model: { family: 'mlp', hidden: [16], activation: 'relu' },
      train: { ...TRAIN, batchSize: 32, epochs: TEACHER_EPOCHS },
      seed,
    },
  };
}

/**
 * Real `distillery worker` processes under the failures a team sees: a flushed Redis, a worker killed with
 * SIGKILL mid-epoch, a worker stopped with SIGTERM. The tests share the workers to keep the suite short and run
 * in order: the last two each take one worker away.
 */
describe('three worker processes sharing one PostgreSQL and a Redis of their own', () => {
  let redis: PrivateRedis;
  let world: WorkerWorld;
  let database: TestDatabase;
  let workers: WorkerProcess[];
  let artifactDir: string;
  const logs = () => world.logs();
  const submit = (spec: object) => world.submit(spec);

  beforeAll(async () => {
    redis = await startPrivateRedis();
    world = await createWorkerWorld({ team: 'shared', redisUrl: redis.url });
    ({ database, workers, artifactDir } = world);
    await Promise.all(['worker-1', 'worker-2', 'worker-3'].map((name) => world.startWorker(name)));
  });

  afterAll(async () => {
    await world?.close();
    await redis?.stop();
  });

  const finished = (sweepId: string, timeoutMs = 120_000) =>
    eventually(
      async () => {
        const s = await database.db.sweep.findUniqueOrThrow({ where: { id: sweepId } });
        return s.state === 'running' ? undefined : s;
      },
      logs,
      timeoutMs,
      250,
    );

  /** Every run succeeded with exactly one result, and started only after its parent had finished. */
  async function expectCompletedInDagOrder(sweepId: string) {
    const runs = await database.db.run.findMany({ where: { sweepId }, include: { result: true, parent: true } });
    expect(runs.filter((r) => r.state !== 'succeeded' || r.result === null)).toEqual([]);
    expect(await database.db.result.count({ where: { run: { sweepId } } })).toBe(runs.length);
    for (const r of runs) {
      if (r.parent) expect(r.startedAt?.getTime()).toBeGreaterThanOrEqual(r.parent.finishedAt?.getTime() ?? Infinity);
    }
    return runs;
  }

  /** How often each run was started, from the workers' `run-started` events. */
  function starts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const w of workers) {
      for (const e of w.events) if (e.type === 'run-started') counts.set(e.runId, (counts.get(e.runId) ?? 0) + 1);
    }
    return counts;
  }

  /** The teacher once a checkpoint of at least `epoch` is recorded, with the worker training it. */
  async function teacherCheckpointed(sweepId: string, epoch: number) {
    return eventually(async () => {
      const run = await database.db.run.findFirstOrThrow({
        where: { sweepId, kind: 'teacher' },
        include: { checkpoint: true },
      });
      const worker = workers.find((w) => run.workerId?.endsWith(`:${w.pid}`));
      return run.state === 'running' && (run.checkpoint?.epoch ?? 0) >= epoch && worker ? { run, worker } : undefined;
    }, logs);
  }

  /** Epochs the run trained in its given attempt, from its event history. */
  async function epochsOfAttempt(runId: string, attempt: number): Promise<number[]> {
    const events = await database.db.runEvent.findMany({ where: { runId, type: 'epoch' }, orderBy: { seq: 'asc' } });
    return events
      .map((e) => e.data as { attempt: number; epoch: number })
      .filter((d) => d.attempt === attempt)
      .map((d) => d.epoch);
  }

  async function expectOneResultPerRun(sweepId: string) {
    const runs = await database.db.run.findMany({ where: { sweepId }, include: { result: true } });
    expect(runs.every((r) => r.state === 'succeeded' && r.result !== null)).toBe(true);
    expect(await database.db.result.count({ where: { run: { sweepId } } })).toBe(runs.length);
  }

  it('finishes a 3-run sweep submitted after a 301-run one long before it, both in DAG order', async () => {
    const large = await submit(sweep('large', 1, 50, [1, 2, 3]));
    const small = await submit(sweep('small', 2, 1, [1]));
    const smallDone = await finished(small);
    const largeDone = await finished(large);
    expect([smallDone.state, largeDone.state], logs()).toEqual(['succeeded', 'succeeded']);
    const largeRuns = await expectCompletedInDagOrder(large);
    expect(largeRuns).toHaveLength(301);
    expect(await expectCompletedInDagOrder(small)).toHaveLength(3);
    // "Long before": when the small sweep finished, most of the large one was still to run.
    const after = largeRuns.filter((r) => (r.finishedAt?.getTime() ?? 0) > (smallDone.finishedAt?.getTime() ?? 0));
    expect(after.length).toBeGreaterThan(250);
  }, 180_000);

  it('completes a sweep whose Redis is flushed mid-way, training nothing twice that had already succeeded', async () => {
    const sweepId = await submit(sweep('flushed', 3, 10, [1, 2]));
    const succeededBefore = await eventually(async () => {
      const n = await database.db.run.count({ where: { sweepId, state: 'succeeded' } });
      return n >= 8 ? n : undefined;
    }, logs);
    // Everything goes: waiting and active jobs, BullMQ's bookkeeping. (Workers write new keys at once.)
    expect(await redis.client.flushall()).toBe('OK');

    expect((await finished(sweepId)).state, logs()).toBe('succeeded');
    const runs = await expectCompletedInDagOrder(sweepId);
    expect(runs).toHaveLength(41);
    expect(succeededBefore).toBeLessThan(41);
    const started = starts();
    expect(runs.filter((r) => started.get(r.id) !== 1).map((r) => [r.key, started.get(r.id)])).toEqual([]);
  }, 120_000);

  it('resumes a run killed with SIGKILL mid-epoch on another worker, from its checkpoint', async () => {
    const sweepId = await submit(longTeacherSweep('kill-9', 10));
    const { run, worker } = await teacherCheckpointed(sweepId, 3);
    worker.child.kill('SIGKILL');
    await worker.exited;
    const killedAfter = (await database.db.checkpoint.findUniqueOrThrow({ where: { runId: run.id } })).epoch;

    expect((await finished(sweepId)).state, logs()).toBe('succeeded');
    const teacher = await database.db.run.findUniqueOrThrow({ where: { id: run.id } });
    expect(teacher).toMatchObject({ attempt: 2, failures: 1 });
    // The second attempt continued from the checkpoint the killed worker had stored, not from epoch 0. The
    // checkpoint file is written before its database record, so a kill between the two leaves a file one epoch
    // newer than the record, and the resume rightly starts from the file.
    expect(teacher.resumedFromEpoch).toBeGreaterThanOrEqual(killedAfter);
    expect(teacher.resumedFromEpoch).toBeLessThanOrEqual(killedAfter + 1);
    expect(teacher.resumedFromEpoch).toBeGreaterThanOrEqual(3);
    const resumed = await epochsOfAttempt(run.id, 2);
    expect(resumed[0]).toBe((teacher.resumedFromEpoch ?? 0) + 1);
    expect(resumed.at(-1)).toBe(TEACHER_EPOCHS);
    expect(await database.db.metric.count({ where: { runId: run.id } })).toBe(TEACHER_EPOCHS);
    await expectOneResultPerRun(sweepId);
    expect(await database.db.checkpoint.count()).toBe(0);
  }, 120_000);

  it('on SIGTERM, checkpoints, releases the run and exits cleanly; another worker resumes it', async () => {
    const sweepId = await submit(longTeacherSweep('sigterm', 11));
    const { run, worker } = await teacherCheckpointed(sweepId, 2);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.events).toContainEqual(expect.objectContaining({ type: 'run-released', runId: run.id }));

    expect((await finished(sweepId)).state, logs()).toBe('succeeded');
    const teacher = await database.db.run.findUniqueOrThrow({ where: { id: run.id } });
    // A release is not a failure.
    expect(teacher).toMatchObject({ attempt: 2, failures: 0 });
    expect(teacher.resumedFromEpoch).toBeGreaterThanOrEqual(2);
    const first = await epochsOfAttempt(run.id, 1);
    expect(teacher.resumedFromEpoch).toBe(first.at(-1));
    await expectOneResultPerRun(sweepId);
    expect(await readdir(join(artifactDir, 'checkpoints'))).toEqual([]);
  }, 120_000);
});
