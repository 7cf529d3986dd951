import { listRunTimings } from '@distillery/db';
import { executePack } from '@distillery/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointStore } from '../src/checkpoints/checkpoint-store.ts';
import { executeJob, type JobOutcome } from '../src/execute-job.ts';
import type { ExecutorEvent, ExecutorEventOf } from '../src/executor/executor-event.ts';
import type { ExecutePack } from '../src/pack/pack-training.ts';
import type { RunControl } from '../src/run-control.ts';
import { createTemporaryCheckpointStore } from './support/temporary-checkpoint-store.ts';
import { createTestWorld, SYNTHETIC, type TestWorld } from './support/test-world.ts';

const TRAIN = { epochs: 3, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } };
let nextTeacherSeed = 100;

/** A teacher and 3 seeds × 2 activations of one student shape: relu and swish students pack apart (3 + 3). */
function packedSweep(overrides: Record<string, unknown> = {}) {
  return {
    name: 'packed',
    dataset: SYNTHETIC,
    teacher: {
      model: { family: 'mlp', hidden: [16], activation: 'relu' },
      train: { ...TRAIN, epochs: 1 },
      seed: nextTeacherSeed++,
    },
    students: {
      model: { family: 'mlp', hidden: [4], activation: 'relu' },
      train: TRAIN,
      grid: { 'model.activation': ['relu', 'swish'] },
    },
    seeds: [1, 2, 3],
    ...overrides,
  };
}

/** The students of {@link packedSweep} in one activation: one pack of their seeds. */
const ONE_ACTIVATION = { model: { family: 'mlp', hidden: [4], activation: 'relu' }, train: TRAIN };

describe('executeJob with packMax > 1', () => {
  let world: TestWorld;

  beforeAll(async () => {
    world = await createTestWorld();
  });
  afterAll(() => world?.close());

  const students = (sweepId: string) =>
    world.database.db.run.findMany({
      where: { sweepId, kind: 'student' },
      include: { result: true },
      orderBy: { position: 'asc' },
    });

  /** Executes the sweep's teacher alone, then each student's own job in the sweep's order. */
  async function executeSweep(sweepId: string, packMax: number, extra: { executePack?: ExecutePack } = {}) {
    const events: ExecutorEvent[] = [];
    const active = new Map<string, RunControl>();
    const ctx = world.context({ packMax, active, emit: (e) => events.push(e), ...extra });
    const teacher = await world.database.db.run.findFirst({ where: { sweepId, kind: 'teacher' } });
    if (teacher) expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('succeeded');
    const outcomes: JobOutcome[] = [];
    for (const s of await students(sweepId)) outcomes.push(await executeJob({ runId: s.id, attempt: 1 }, ctx));
    const packs = events.filter((e): e is ExecutorEventOf<'pack-started'> => e.type === 'pack-started');
    return { outcomes, packs, events, active };
  }

  it('trains 3 seeds × 2 activations in two packs of 3, each run ending with one result equal to training it alone', async () => {
    const { sweepId } = await world.submit(packedSweep());
    const packed = await executeSweep(sweepId, 8);
    // The first job of each pack trains its pack; the members' own jobs then find their runs finished.
    expect(packed.outcomes).toEqual(['succeeded', 'skipped', 'skipped', 'succeeded', 'skipped', 'skipped']);
    const runs = await students(sweepId);
    expect(packed.packs.map((p) => p.runIds)).toEqual([
      runs.slice(0, 3).map((r) => r.id),
      runs.slice(3).map((r) => r.id),
    ]);
    expect(runs.map((r) => [r.key, r.state, r.attempt, r.failures, r.result !== null])).toEqual(
      runs.map((r) => [r.key, 'succeeded', 1, 0, true]),
    );
    expect(await world.database.db.result.count({ where: { run: { sweepId } } })).toBe(7);
    const epochs = await world.database.db.metric.groupBy({
      by: ['runId'],
      where: { run: { sweepId, kind: 'student' } },
      _count: true,
    });
    expect(epochs.map((e) => e._count)).toEqual([3, 3, 3, 3, 3, 3]);

    // The same students trained alone (packMax 1), distilled from the same teacher.
    const teacher = await world.database.db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
    const { sweepId: soloId } = await world.submit(packedSweep({ teacher: { runId: teacher.id }, rerun: true }));
    const solo = await executeSweep(soloId, 1);
    expect(solo.outcomes).toEqual(Array(6).fill('succeeded'));
    expect(solo.packs).toEqual([]);
    // What a dry run's time estimate reads: a packed run's time is its pack's, shared by the pack's 3 runs.
    const timings = await listRunTimings(world.database.store, world.teamId);
    const sizes = (kind: string) =>
      timings
        .filter((t) => t.config.kind === kind)
        .map((t) => t.packSize)
        .sort();
    expect(sizes('student')).toEqual([1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3]);
    expect(sizes('teacher')).toEqual([1]);
    const alone = new Map((await students(soloId)).map((r) => [r.key, r.result?.accuracy]));
    for (const r of runs) {
      expect(Math.abs((r.result?.accuracy ?? -1) - (alone.get(r.key) ?? 1)), r.key).toBeLessThanOrEqual(0.001);
    }
  }, 120_000);

  it('leaves a packed run to its pack when its own job is delivered meanwhile: no takeover, no second attempt', async () => {
    const { sweepId } = await world.submit(packedSweep({ seeds: [1, 2], students: ONE_ACTIVATION }));
    const teacher = await world.database.db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
    const ctx = world.context({ packMax: 8 });
    expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('succeeded');
    const [first, second] = await students(sweepId);
    let secondsJob: Promise<JobOutcome> | undefined;
    const delivered: ExecutePack = (inputs) => {
      // The pack has claimed both; the second run's own job arrives now, as on another worker.
      secondsJob = executeJob(
        { runId: second?.id as string, attempt: 1 },
        world.context({ packMax: 8, workerId: 'other' }),
      );
      return executePack(inputs);
    };
    expect(await executeJob({ runId: first?.id as string, attempt: 1 }, { ...ctx, executePack: delivered })).toBe(
      'succeeded',
    );
    expect(await secondsJob).toBe('skipped');
    const stored = await world.database.db.run.findUniqueOrThrow({
      where: { id: second?.id },
      include: { result: true },
    });
    expect(stored).toMatchObject({
      state: 'succeeded',
      attempt: 1,
      failures: 0,
      workerId: 'test-worker',
      packedBy: first?.id,
    });
    expect(stored.result).not.toBeNull();
    const res = await world.app.inject({
      method: 'GET',
      url: `/v1/runs/${second?.id}`,
      headers: { authorization: `Bearer ${world.apiKey}` },
    });
    expect(res.json()).toMatchObject({ state: 'succeeded', packedBy: first?.id, packKey: stored.packKey });
  }, 60_000);

  it('stops only the cancelled run of a pack; the others go on to their results', async () => {
    const { sweepId } = await world.submit(packedSweep({ students: ONE_ACTIVATION }));
    const [, target] = await students(sweepId);
    const targetId = target?.id as string;
    let active: Map<string, RunControl> | undefined;
    // Cancels the pack's second run over the API once its first epoch is recorded.
    const cancelling: ExecutePack = (inputs) =>
      executePack(
        inputs.map((input) => {
          const runId = [...(active?.values() ?? [])].find((c) => c.signal === input.signal)?.runId;
          if (runId !== targetId) return input;
          return {
            ...input,
            onEpoch: async (m) => {
              await input.onEpoch?.(m);
              if (m.epoch !== 1) return;
              const res = await world.app.inject({
                method: 'POST',
                url: `/v1/runs/${targetId}/cancel`,
                headers: { authorization: `Bearer ${world.apiKey}` },
              });
              expect(res.statusCode, res.body).toBe(200);
            },
          };
        }),
      );
    const events: ExecutorEvent[] = [];
    active = new Map();
    const ctx = world.context({ packMax: 8, active, executePack: cancelling, emit: (e) => events.push(e) });
    const teacher = await world.database.db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
    expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('succeeded');
    const [first] = await students(sweepId);
    expect(await executeJob({ runId: first?.id as string, attempt: 1 }, ctx)).toBe('succeeded');

    const finished = events.find((e): e is ExecutorEventOf<'pack-finished'> => e.type === 'pack-finished');
    const runs = await students(sweepId);
    expect(finished?.outcomes).toEqual(
      runs.map((r) => ({ runId: r.id, outcome: r.id === targetId ? 'cancelled' : 'succeeded' })),
    );
    expect(runs.map((r) => [r.key, r.state, r.result !== null])).toEqual([
      ['s0.seed1', 'succeeded', true],
      ['s0.seed2', 'cancelled', false],
      ['s0.seed3', 'succeeded', true],
    ]);
    // The cancelled run stopped at the epoch after the cancellation; the others trained all three.
    const epochs = await world.database.db.metric.findMany({ where: { runId: targetId } });
    expect(epochs.map((m) => m.epoch)).toEqual([1]);
  }, 60_000);

  it('retries only the packed run whose attempt failed; the others go on to their results', async () => {
    const { sweepId } = await world.submit(packedSweep({ students: ONE_ACTIVATION }));
    const [, target] = await students(sweepId);
    const { store, remove } = await createTemporaryCheckpointStore('distillery-pack-retry-');
    try {
      // The second run's checkpoint cannot be written (a full disk, say): an error a retry may fix.
      const failing: CheckpointStore = {
        save: (runId, attempt, checkpoint) =>
          runId === target?.id
            ? Promise.reject(new Error('ENOSPC: no space left on device'))
            : store.save(runId, attempt, checkpoint),
        load: (runId) => store.load(runId),
        delete: (runId) => store.delete(runId),
      };
      const ctx = world.context({ packMax: 8, checkpoints: failing, backoff: () => 60_000 });
      const teacher = await world.database.db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
      expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('succeeded');
      world.enqueued.length = 0;
      const [first] = await students(sweepId);
      expect(await executeJob({ runId: first?.id as string, attempt: 1 }, ctx)).toBe('succeeded');
      const runs = await students(sweepId);
      expect(runs.map((r) => [r.key, r.state, r.attempt, r.failures, r.result !== null])).toEqual([
        ['s0.seed1', 'succeeded', 1, 0, true],
        ['s0.seed2', 'queued', 2, 1, false],
        ['s0.seed3', 'succeeded', 1, 0, true],
      ]);
      expect(runs[1]?.error).toMatch(/ENOSPC/);
      // Its next attempt is queued, after the backoff: the others' retries are not.
      expect(world.enqueued.map((d) => [d.runId, d.attempt])).toEqual([[target?.id, 2]]);
    } finally {
      await remove();
    }
  }, 60_000);

  it('ends every member with the error of a pack refused as a whole, each retried as its own next attempt', async () => {
    const { sweepId } = await world.submit(packedSweep({ seeds: [1, 2], students: ONE_ACTIVATION }));
    const refusing: ExecutePack = () => {
      throw new Error('these members cannot train together');
    };
    const ctx = world.context({ packMax: 8, executePack: refusing, backoff: () => 60_000 });
    const teacher = await world.database.db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
    expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('succeeded');
    const [first] = await students(sweepId);
    expect(await executeJob({ runId: first?.id as string, attempt: 1 }, ctx)).toBe('retried');
    const runs = await students(sweepId);
    expect(runs.map((r) => [r.state, r.attempt, r.failures, r.error])).toEqual(
      runs.map(() => ['queued', 2, 1, 'Error: these members cannot train together']),
    );
  }, 60_000);
});
