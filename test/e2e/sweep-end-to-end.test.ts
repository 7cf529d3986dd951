import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { buildApp } from '@distillery/api';
import { createTeam } from '@distillery/db';
import { createTestDatabase } from '@distillery/db/testing';
import { RedisProbe, RunQueue } from '@distillery/queue';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A small real sweep: a teacher (two epochs, so progress is visible between them), two students (relu, LMA-8,
 * one epoch), one PTQ variant each, on 3,000 MNIST samples.
 */
const SWEEP = `
name: e2e
dataset: { name: mnist, limit: { train: 3000, test: 1000 }, validation: 0.1 }
teacher:
  model: { family: mlp, hidden: [64], activation: relu }
  train: { epochs: 2, batchSize: 32, optimizer: { name: adam, lr: 0.002 } }
students:
  model: { family: mlp, hidden: [16], activation: relu }
  train: { epochs: 1, batchSize: 32, optimizer: { name: adam, lr: 0.005 } }
  distill: { temperature: 2, alpha: 0.7 }
  grid:
    model.activation: [relu, { name: lma, segments: 8 }]
quantize:
  - { method: ptq, bits: 8 }
seeds: [1]
`;

interface Run {
  id: string;
  key: string;
  kind: string;
  parentId: string | null;
  state: string;
  progress: number;
  result: { accuracy: number; bytes: number; bits: number } | null;
}

describe('a sweep submitted over REST and executed by a separate worker process', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: FastifyInstance;
  let queue: RunQueue;
  let probe: RedisProbe;
  let worker: ChildProcess;
  let workerLog = '';
  let key: string;
  const prefix = `e2e-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    key = (await createTeam(database.store, 'e2e')).apiKey;
    queue = new RunQueue({ redisUrl: REDIS_URL, prefix });
    probe = new RedisProbe(REDIS_URL);
    app = await buildApp({ db: database.store, queue, redisProbe: probe, logger: false });
    await app.ready();
    worker = spawn(process.execPath, [join(ROOT, 'bin', 'distillery.mjs'), 'worker'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: database.url, REDIS_URL, DISTILLERY_QUEUE_PREFIX: prefix },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout?.on('data', (d) => {
      workerLog += d;
    });
    worker.stderr?.on('data', (d) => {
      workerLog += d;
    });
  });

  afterAll(async () => {
    worker?.kill('SIGTERM');
    await new Promise((r) => (worker?.exitCode !== null ? r(null) : worker.once('exit', r)));
    await app?.close();
    await queue?.queue.obliterate({ force: true }).catch(() => {});
    await queue?.close();
    await probe?.close();
    await database?.drop();
  });

  const get = async <T>(url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as T;
  };

  it('runs teacher, then students, then PTQ variants, to plausible accuracies', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/yaml' },
      payload: SWEEP,
    });
    expect(created.statusCode, created.body).toBe(201);
    const sweepId = created.json().id as string;

    let sweep: { state: string };
    const deadline = Date.now() + 240_000;
    do {
      await new Promise((r) => setTimeout(r, 300));
      sweep = await get(`/v1/sweeps/${sweepId}`);
      if (Date.now() > deadline) throw new Error(`sweep still ${sweep.state} after 240 s; worker log:\n${workerLog}`);
    } while (sweep.state === 'running');
    expect(sweep.state, workerLog).toBe('succeeded');

    const { items: runs } = await get<{ items: Run[] }>(`/v1/sweeps/${sweepId}/runs`);
    expect(runs.map((r) => r.kind).sort()).toEqual(
      ['quantize-ptq', 'quantize-ptq', 'student', 'student', 'teacher'].sort(),
    );
    expect(runs.every((r) => r.state === 'succeeded')).toBe(true);

    // Order: every run started after its parent finished.
    const details = await Promise.all(
      runs.map((r) =>
        get<{ id: string; startedAt: string | null; finishedAt: string | null; metrics: unknown[] }>(
          `/v1/runs/${r.id}`,
        ),
      ),
    );
    const byId = new Map(details.map((d) => [d.id, d]));
    for (const r of runs) {
      if (!r.parentId) continue;
      const parent = byId.get(r.parentId);
      const self = byId.get(r.id);
      expect(parent, `parent ${r.parentId} of run ${r.id}`).toBeDefined();
      expect(self, `run ${r.id}`).toBeDefined();
      const startedAt = timestampOf(self?.startedAt, `run ${r.id}'s startedAt`);
      const parentFinishedAt = timestampOf(parent?.finishedAt, `run ${r.parentId}'s finishedAt`);
      expect(startedAt).toBeGreaterThanOrEqual(parentFinishedAt);
    }

    // Accuracies well above the 10% of chance; students learned from one epoch of 2,700 samples.
    const teacher = runs.find((r) => r.kind === 'teacher');
    expect(teacher?.result?.accuracy).toBeGreaterThan(0.8);
    for (const r of runs.filter((x) => x.kind !== 'teacher')) expect(r.result?.accuracy).toBeGreaterThan(0.5);
    // PTQ at 8 bits keeps the accuracy of its student within a point and is smaller.
    for (const ptq of runs.filter((r) => r.kind === 'quantize-ptq')) {
      const student = runs.find((r) => r.id === ptq.parentId);
      expect(Math.abs((ptq.result?.accuracy ?? 0) - (student?.result?.accuracy ?? 0))).toBeLessThan(0.02);
      expect(ptq.result?.bits).toBe(8);
      expect(ptq.result?.bytes).toBeLessThan(student?.result?.bytes ?? 0);
    }
    // Training runs wrote one metric row per epoch, and the teacher's progress was visible between epochs.
    const epochs = new Map(details.map((d) => [runs.find((r) => r.id === d.id)?.kind, d.metrics.length]));
    expect(Object.fromEntries(epochs)).toEqual({ teacher: 2, student: 1, 'quantize-ptq': 0 });
    // Progress was reported while the teacher ran: its history has epoch 1 of 2 between running and succeeded.
    // (Read from the recorded events: a 2-epoch teacher on 2,700 rows can pass through 50% between two polls.)
    const teacherRun = runs.find((r) => r.kind === 'teacher');
    const history = await database.db.runEvent.findMany({ where: { runId: teacherRun?.id }, orderBy: { seq: 'asc' } });
    const steps = history.map((e) => {
      const data = e.data as { state?: string; epoch?: number; epochs?: number };
      return e.type === 'epoch' ? `epoch ${data.epoch}/${data.epochs}` : `${data.state}`;
    });
    expect(steps.slice(steps.indexOf('running'))).toEqual(['running', 'epoch 1/2', 'epoch 2/2', 'succeeded']);

    const results = await get<{ rows: unknown[]; groups: unknown[] }>(`/v1/sweeps/${sweepId}/results`);
    expect(results.rows).toHaveLength(5);
  }, 300_000);
});

/** The milliseconds of an ISO timestamp the API must have set; fails the test when it is missing or unparsable. */
function timestampOf(value: string | null | undefined, what: string): number {
  expect(value, what).toEqual(expect.any(String));
  const ms = Date.parse(value ?? '');
  expect(Number.isNaN(ms), `${what} = ${value} parses as a date`).toBe(false);
  return ms;
}
