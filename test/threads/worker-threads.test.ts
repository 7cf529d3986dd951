import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestDatabase } from '@distillery/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type WorkerProcess } from '../support/worker-process.ts';
import { createWorkerWorld, type WorkerWorld } from '../support/worker-world.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SYNTHETIC = { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } };
const TRAIN = { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } };
/**
 * Epochs enough that both teachers are still training when the test strikes, few enough to finish quickly: on an
 * idle 2-core machine 150 epochs of this teacher train in about a second on the fused step, too short a window to
 * see both running past their second checkpoint; 600 take a few seconds.
 */
const TEACHER_EPOCHS = 600;

/** A teacher of `epochs` epochs, one student, one PTQ variant: 3 runs. */
function sweep(name: string, seed: number, epochs = TEACHER_EPOCHS) {
  return {
    name,
    dataset: SYNTHETIC,
    teacher: {
      model: { family: 'mlp', hidden: [16], activation: 'relu' },
      train: { ...TRAIN, epochs },
      seed,
    },
    students: { model: { family: 'mlp', hidden: [4], activation: 'relu' }, train: TRAIN },
    quantize: [{ method: 'ptq', bits: 8 }],
    seeds: [1],
  };
}

/** A thread's nice value: field 19 of its /proc stat line, counted after the command name's closing parenthesis. */
async function niceOf(pid: number, tid: string): Promise<number> {
  const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/**
 * A real `distillery worker` process on two training threads (DISTILLERY_THREADS=2): it trains two runs at
 * once, a SIGTERM checkpoints and releases both, a cancelled run stops in its thread. The tests run in order and
 * share the database; each starts the workers it needs.
 */
describe('a worker process with two training threads', () => {
  let world: WorkerWorld;
  let database: TestDatabase;
  const logs = () => world.logs();
  const startWorker = (name: string) => world.startWorker(name);
  const submit = (spec: object) => world.submit(spec);

  beforeAll(async () => {
    world = await createWorkerWorld({ team: 'threads', redisUrl: REDIS_URL, env: { DISTILLERY_THREADS: '2' } });
    ({ database } = world);
  });

  afterAll(() => world?.close());

  const teacherOf = (sweepId: string) =>
    database.db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' }, include: { checkpoint: true } });

  /** Epoch events of a run's attempt, in the order PostgreSQL recorded them. */
  async function epochEvents(runId: string, attempt: number) {
    const events = await database.db.runEvent.findMany({ where: { runId, type: 'epoch' }, orderBy: { seq: 'asc' } });
    return events.filter((e) => (e.data as { attempt: number }).attempt === attempt);
  }

  const finished = (sweepId: string) =>
    eventually(
      async () => {
        const s = await database.db.sweep.findUniqueOrThrow({ where: { id: sweepId } });
        return s.state === 'running' ? undefined : s;
      },
      logs,
      120_000,
      250,
    );

  it('trains two runs at once, and on SIGTERM checkpoints and releases both; another worker resumes them', async () => {
    const first = await startWorker('worker-1');
    expect(first.events).toContainEqual(expect.objectContaining({ type: 'ready', threads: 2 }));
    const sweeps = [await submit(sweep('a', 1)), await submit(sweep('b', 2))];
    // Both teachers running under this one worker, each past its second checkpoint.
    const teachers = await eventually(async () => {
      const runs = await Promise.all(sweeps.map(teacherOf));
      const training = runs.every(
        (r) => r.state === 'running' && r.workerId?.endsWith(`:${first.pid}`) && (r.checkpoint?.epoch ?? 0) >= 2,
      );
      return training ? runs : undefined;
    }, logs);
    // Every thread of the worker trains at nice 10, the default: the training threads, started after the process
    // lowered its priority, inherited it.
    const tasks = await readdir(`/proc/${first.pid}/task`);
    expect(tasks.length).toBeGreaterThan(2);
    expect(new Set(await Promise.all(tasks.map((tid) => niceOf(first.pid, tid))))).toEqual(new Set([10]));
    first.child.kill('SIGTERM');
    expect(await first.exited, logs()).toBe(0);
    for (const t of teachers) {
      expect(first.events).toContainEqual(expect.objectContaining({ type: 'run-released', runId: t.id }));
    }
    // Their first attempts overlapped: each recorded its first epoch before the other recorded its last (by
    // PostgreSQL's clock; trained one after the other, one's first epoch would follow the other's last).
    const [a, b] = await Promise.all(teachers.map((t) => epochEvents(t.id, 1)));
    const at = (e: { createdAt: Date } | undefined) => e?.createdAt.getTime() ?? Number.NaN;
    expect(at(a?.[0])).toBeLessThan(at(b?.at(-1)));
    expect(at(b?.[0])).toBeLessThan(at(a?.at(-1)));

    await startWorker('worker-2');
    for (const s of sweeps) expect((await finished(s)).state, logs()).toBe('succeeded');
    for (const t of teachers) {
      const run = await database.db.run.findUniqueOrThrow({ where: { id: t.id } });
      // A release is not a failure, and the second attempt continued from the last checkpoint of the first.
      expect(run).toMatchObject({ attempt: 2, failures: 0 });
      const released = (await epochEvents(t.id, 1)).map((e) => (e.data as { epoch: number }).epoch);
      expect(run.resumedFromEpoch).toBe(released.at(-1));
      expect(await database.db.metric.count({ where: { runId: t.id } })).toBe(TEACHER_EPOCHS);
    }
    expect(await readdir(join(world.artifactDir, 'checkpoints'))).toEqual([]);
  }, 180_000);

  it('stops a cancelled run in its thread and goes on training the next sweep', async () => {
    const worker = world.workers.at(-1) as WorkerProcess;
    const cancelled = await submit(sweep('cancelled', 3));
    const teacher = await eventually(async () => {
      const t = await teacherOf(cancelled);
      return t.state === 'running' && (t.checkpoint?.epoch ?? 0) >= 2 ? t : undefined;
    }, logs);
    const res = await world.request('POST', `/v1/sweeps/${cancelled}/cancel`);
    expect(res.statusCode, res.body).toBeLessThan(300);
    await worker.waitFor((e) => e.type === 'run-stopped' && e.runId === teacher.id, 'the teacher stopping');
    expect(worker.events).toContainEqual({ type: 'run-stopped', runId: teacher.id, reason: 'cancelled' });
    const stopped = await database.db.run.findUniqueOrThrow({ where: { id: teacher.id } });
    expect(stopped.state).toBe('cancelled');
    // It stopped within the epoch it was in: far from its last.
    expect((await epochEvents(teacher.id, 1)).length).toBeLessThan(TEACHER_EPOCHS);
    // Both threads serve the next sweep.
    const next = await submit(sweep('after-cancel', 4, 1));
    expect((await finished(next)).state, logs()).toBe('succeeded');
  }, 120_000);
});
