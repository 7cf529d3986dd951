import type { TestDatabase } from '@distillery/db/testing';
import type { ExecutorEventOf } from '@distillery/worker/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../support/private-redis.ts';
import { eventually, type WorkerProcess } from '../support/worker-process.ts';
import { createWorkerWorld, type WorkerWorld } from '../support/worker-world.ts';

const SYNTHETIC = { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } };
const SEEDS = [1, 2, 3, 4];

/** A one-epoch teacher and 4 seeds of a student trained long enough to be killed mid-pack. */
const SPEC = {
  name: 'pack-kill-9',
  dataset: SYNTHETIC,
  teacher: {
    model: { family: 'mlp', hidden: [8], activation: 'relu' },
    train: { epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.01 } },
    seed: 7,
  },
  students: {
    model: { family: 'mlp', hidden: [8], activation: 'relu' },
    train: { epochs: 100, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } },
  },
  seeds: SEEDS,
};

/**
 * Real `distillery worker` processes packing students (DISTILLERY_PACK_MAX 8). In each test one worker trains the
 * whole pack on one training thread (the next worker starts once it is stopped, so that the pack holds every
 * student: two idle workers, or two threads, would split the students between them) and is stopped mid-epoch:
 * killed with SIGKILL (the next worker's reconciler finds each member's heartbeat stale) or stopped with SIGTERM
 * (it releases each member after its checkpoint).
 * The members resume from their own checkpoints on the next worker, each ending with exactly one result. The
 * tests run in order: each takes one worker away.
 */
describe('a worker stopped while it trains a pack', () => {
  let redis: PrivateRedis;
  let world: WorkerWorld;
  let database: TestDatabase;
  const logs = () => world.logs();
  const startWorker = (name: string) => world.startWorker(name);

  beforeAll(async () => {
    redis = await startPrivateRedis();
    world = await createWorkerWorld({
      team: 'packs',
      redisUrl: redis.url,
      env: {
        DISTILLERY_PACK_MAX: '8',
        // One job at a time, so the first job's claim takes every student: two training threads would take two
        // jobs at once and split the students between two packs.
        DISTILLERY_THREADS: '1',
      },
    });
    ({ database } = world);
    await startWorker('worker-1');
  });

  afterAll(async () => {
    await world?.close();
    await redis?.stop();
  });

  it('after SIGKILL, resumes every member from its checkpoint on the other worker, each with one result', async () => {
    const sweepId = await world.submit(SPEC);

    // The pack of all four students on the first worker, killed once every member has checkpointed at least
    // twice; then the second worker (started earlier, its start-up could outlast the pack's training).
    const [first] = world.workers as [WorkerProcess];
    await first.waitFor((e) => e.type === 'pack-started', 'pack-started');
    const pack = first.events.find((e): e is ExecutorEventOf<'pack-started'> => e.type === 'pack-started');
    const members = pack?.runIds ?? [];
    expect(members).toHaveLength(SEEDS.length);
    await eventually(async () => {
      const running = await database.db.run.findMany({
        where: { id: { in: members }, state: 'running' },
        include: { checkpoint: true },
      });
      const ready = running.length === SEEDS.length && running.every((r) => (r.checkpoint?.epoch ?? 0) >= 2);
      return ready || undefined;
    }, logs);
    const killed = first;
    killed.child.kill('SIGKILL');
    await killed.exited;
    const survivor = await startWorker('worker-2');
    const atKill = new Map(
      (await database.db.checkpoint.findMany({ where: { runId: { in: members } } })).map((c) => [c.runId, c.epoch]),
    );

    const sweep = await eventually(
      async () => {
        const s = await database.db.sweep.findUniqueOrThrow({ where: { id: sweepId } });
        return s.state === 'running' ? undefined : s;
      },
      logs,
      120_000,
      250,
    );
    expect(sweep.state, logs()).toBe('succeeded');
    const runs = await database.db.run.findMany({ where: { sweepId }, include: { result: true } });
    expect(runs.every((r) => r.state === 'succeeded' && r.result !== null)).toBe(true);
    expect(await database.db.result.count({ where: { run: { sweepId } } })).toBe(runs.length);
    for (const id of members) {
      const run = runs.find((r) => r.id === id);
      // One lost attempt each (the reconciler's, not a takeover by a member's own job), then a resume from the
      // checkpoint the killed worker stored (or the file one epoch newer than its record).
      expect(run, logs()).toMatchObject({ attempt: 2, failures: 1 });
      expect(run?.resumedFromEpoch ?? 0).toBeGreaterThanOrEqual(atKill.get(id) ?? Infinity);
      const resumed = survivor.events.find(
        (e): e is ExecutorEventOf<'run-started'> => e.type === 'run-started' && e.runId === id && e.attempt === 2,
      );
      expect(resumed?.resumedAfterEpoch ?? 0, logs()).toBeGreaterThanOrEqual(atKill.get(id) ?? Infinity);
    }
    // The members were lost together and queued together: the survivor trained them as a pack again.
    const repacked = survivor.events.filter(
      (e): e is ExecutorEventOf<'pack-started'> =>
        e.type === 'pack-started' && e.runIds.every((id) => members.includes(id)),
    );
    expect(repacked.length, logs()).toBeGreaterThan(0);
  }, 180_000);

  it('on SIGTERM, releases every member after its checkpoint, not counted as a failure; the next worker resumes them', async () => {
    const sweepId = await world.submit({ ...SPEC, name: 'pack-sigterm', teacher: { ...SPEC.teacher, seed: 8 } });
    const students = (await database.db.run.findMany({ where: { sweepId, kind: 'student' } })).map((r) => r.id);
    const stopped = world.workers[1] as WorkerProcess;
    await stopped.waitFor(
      (e) => e.type === 'pack-started' && e.runIds.every((id) => students.includes(id)),
      "the second sweep's pack",
    );
    await eventually(async () => {
      const running = await database.db.run.findMany({
        where: { id: { in: students }, state: 'running' },
        include: { checkpoint: true },
      });
      return (running.length === SEEDS.length && running.every((r) => (r.checkpoint?.epoch ?? 0) >= 2)) || undefined;
    }, logs);
    stopped.child.kill('SIGTERM');
    expect(await stopped.exited, logs()).toBe(0);
    const released = stopped.events.filter((e) => e.type === 'run-released' && students.includes(e.runId));
    expect(released, logs()).toHaveLength(SEEDS.length);
    // The next worker starts only now: the released members wait on the queue for it. (Started earlier, its
    // start-up — seconds on a busy machine — could outlast the pack's training.)
    const next = await startWorker('worker-3');

    const sweep = await eventually(
      async () => {
        const s = await database.db.sweep.findUniqueOrThrow({ where: { id: sweepId } });
        return s.state === 'running' ? undefined : s;
      },
      logs,
      120_000,
      250,
    );
    expect(sweep.state, logs()).toBe('succeeded');
    const runs = await database.db.run.findMany({ where: { id: { in: students } }, include: { result: true } });
    // A release is not a failure: attempt 2 with no failure counted, resumed from its checkpoint.
    expect(runs.map((r) => [r.state, r.attempt, r.failures, r.result !== null])).toEqual(
      runs.map(() => ['succeeded', 2, 0, true]),
    );
    for (const r of runs) expect(r.resumedFromEpoch ?? 0, logs()).toBeGreaterThanOrEqual(2);
    expect(await database.db.result.count({ where: { run: { sweepId } } })).toBe(SEEDS.length + 1);
    const repacked = next.events.filter(
      (e): e is ExecutorEventOf<'pack-started'> =>
        e.type === 'pack-started' && e.runIds.every((id) => students.includes(id)),
    );
    expect(repacked.length, logs()).toBeGreaterThan(0);
  }, 180_000);
});
