import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestDatabase } from '@distillery/db/testing';
import type { DataRoots, RunDispatch } from '@distillery/spec';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeJob, type JobContext } from '../src/execute-job.ts';
import { createTestWorld, type TestWorld } from './support/test-world.ts';

const train = { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } };
let nextTeacherSeed = 1;
/** A tiny sweep on generated data: teacher → student → 8-bit PTQ. */
function sweep(dataset: Record<string, unknown>) {
  return {
    name: 'worker-test',
    dataset,
    // Its own teacher each time: identical teachers are reused across a team's sweeps.
    teacher: { model: { family: 'mlp', hidden: [16], activation: 'relu' }, train, seed: nextTeacherSeed++ },
    students: { model: { family: 'mlp', hidden: [4], activation: 'relu' }, train },
    quantize: [{ method: 'ptq', bits: 8 }],
    seeds: [1],
  };
}
const SYNTHETIC = { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } };
/** The one data root of these tests; '/nonexistent' holds nothing, so a path below it is allowed but missing. */
const dataRoot = mkdtempSync(join(tmpdir(), 'distillery-worker-data-'));
const DATA_ROOTS: DataRoots = { shared: [dataRoot, '/nonexistent'], teamBase: null };

/** A tiny IDX data set of 4×4 images (MNIST's file layout). */
function writeIdxFolder(folder: string, n: number): void {
  const idx = (dims: number[], values: Uint8Array) => {
    const header = Buffer.alloc(4 + 4 * dims.length);
    header[2] = 0x08;
    header[3] = dims.length;
    for (const [i, d] of dims.entries()) header.writeUInt32BE(d, 4 + 4 * i);
    return Buffer.concat([header, values]);
  };
  mkdirSync(folder, { recursive: true });
  const pixels = Uint8Array.from({ length: n * 16 }, (_, i) => (i * 37) % 256);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 3);
  for (const split of ['train', 't10k']) {
    writeFileSync(join(folder, `${split}-images-idx3-ubyte`), idx([n, 4, 4], pixels));
    writeFileSync(join(folder, `${split}-labels-idx1-ubyte`), idx([n], labels));
  }
}

describe('executeJob', () => {
  let world: TestWorld;
  let database: TestDatabase;
  let app: FastifyInstance;
  let key: string;
  const released: RunDispatch[] = [];
  let ctx: JobContext;

  beforeAll(async () => {
    world = await createTestWorld({ dataRoots: DATA_ROOTS });
    ({ database, app, apiKey: key } = world);
    ctx = {
      db: database.store,
      workerId: 'test-worker',
      enqueue: async (runs) => {
        released.push(...runs);
      },
      dataRoots: DATA_ROOTS,
    };
  });

  afterAll(async () => {
    await world?.close();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  async function submit(dataset: Record<string, unknown>) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      headers: { authorization: `Bearer ${key}` },
      payload: sweep(dataset),
    });
    expect(res.statusCode, res.body).toBe(201);
    const sweepId = res.json().id as string;
    const runs = await database.db.run.findMany({ where: { sweepId } });
    const byKind = (kind: string) => runs.find((r) => r.kind === kind) as (typeof runs)[number];
    return { sweepId, teacher: byKind('teacher'), student: byKind('student'), ptq: byKind('quantize-ptq') };
  }

  it('runs a teacher, stores its result and model, and releases its student', async () => {
    const { teacher, student } = await submit(SYNTHETIC);
    released.length = 0;
    expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('succeeded');
    const stored = await database.db.run.findUniqueOrThrow({
      where: { id: teacher.id },
      include: { result: true, artifacts: true, metrics: true },
    });
    expect(stored.state).toBe('succeeded');
    expect(stored.progress).toBe(1);
    expect(stored.metrics).toHaveLength(1);
    expect(stored.result?.parameters).toBe(stored.predictedParameters);
    expect(stored.result?.bytes).toBe(stored.predictedBytes);
    // An MLP on the wasm backend trains on the fused SIMD step, and the result says so.
    expect(stored.result?.trainPath).toBe('fused-mlp');
    expect(stored.artifacts.length).toBeGreaterThan(0);
    expect(released).toMatchObject([{ runId: student.id, attempt: 1 }]);
    expect((await database.db.run.findUniqueOrThrow({ where: { id: student.id } })).state).toBe('queued');
  });

  it('records progress within the epoch while it trains, in the run and never as run events', async () => {
    const { teacher } = await submit(SYNTHETIC);
    // Every batch may report (no throttle) while none is in flight: at least the first of the epoch's 10 does.
    expect(await executeJob({ runId: teacher.id, attempt: 1 }, { ...ctx, batchProgressIntervalMs: 0 })).toBe(
      'succeeded',
    );
    const stored = await database.db.run.findUniqueOrThrow({ where: { id: teacher.id } });
    expect(stored.batchProgress).toMatchObject({ attempt: 1, epoch: 1, epochs: 1, batches: 10 });
    const { batch } = stored.batchProgress as { batch: number };
    // The epoch's last batch is never reported: the epoch's own record follows at once.
    expect(batch).toBeGreaterThanOrEqual(1);
    expect(batch).toBeLessThan(10);
    expect(stored.batchProgressAt).not.toBeNull();
    const events = await database.db.runEvent.findMany({ where: { runId: teacher.id }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(['state', 'state', 'epoch', 'state']);
  });

  it("stores the split's digest with the result: the same for the same split, another for another limit", async () => {
    const digestOf = async (dataset: Record<string, unknown>) => {
      const { teacher } = await submit(dataset);
      expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('succeeded');
      const { splitDigest } = await database.db.result.findUniqueOrThrow({ where: { runId: teacher.id } });
      const detail = await app.inject({ url: `/v1/runs/${teacher.id}`, headers: { authorization: `Bearer ${key}` } });
      expect(detail.json().result.splitDigest).toBe(splitDigest);
      expect(detail.json().result.trainPath).toBe('fused-mlp');
      return splitDigest;
    };
    const first = await digestOf(SYNTHETIC);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(await digestOf(SYNTHETIC)).toBe(first);
    expect(await digestOf({ ...SYNTHETIC, limit: { train: 299, test: 100 } })).not.toBe(first);
  });

  it('checks the data path again when it loads: a symlink re-pointed outside the roots after submission fails', async () => {
    const inside = join(dataRoot, 'digits');
    writeIdxFolder(inside, 60);
    const outside = mkdtempSync(join(tmpdir(), 'distillery-worker-outside-'));
    writeIdxFolder(outside, 60);
    const link = join(dataRoot, 'current');
    symlinkSync(inside, link);
    const { teacher } = await submit({ name: 'idx', path: link, shape: [4, 4, 1], classes: 3 });
    unlinkSync(link);
    symlinkSync(outside, link);
    try {
      expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('failed');
      const failed = await database.db.run.findUniqueOrThrow({ where: { id: teacher.id } });
      expect(failed.error).toBe(
        `DatasetError: dataset.path ${JSON.stringify(link)} is outside the data roots: it must resolve, symlinks included, inside a configured data root`,
      );
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("stores a PTQ result's measured size split into codes, headers and floats, equal to the plan", async () => {
    const { teacher, student, ptq } = await submit(SYNTHETIC);
    for (const run of [teacher, student, ptq])
      expect(await executeJob({ runId: run.id, attempt: 1 }, ctx)).toBe('succeeded');
    const res = await app.inject({
      method: 'GET',
      url: `/v1/runs/${ptq.id}`,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { predicted, result } = res.json();
    const { parameters: _p, bits: _b, estimated, ...plannedBreakdown } = predicted;
    expect(estimated).toBe(false);
    expect(result.sizeBreakdown).toEqual(plannedBreakdown);
    const { codeBytes, headerBytes, floatBytes } = result.sizeBreakdown;
    expect(codeBytes + headerBytes + floatBytes).toBe(result.bytes);
    expect(codeBytes).toBe(16 * 4 + 4 * 3); // the two kernels at one byte a value
    const weights = await database.db.artifact.findFirstOrThrow({ where: { runId: ptq.id, name: 'weights.bin' } });
    expect(weights.size).toBe(result.bytes);
  });

  it('ignores a redelivered job of a finished run and keeps exactly one result', async () => {
    const { teacher } = await submit(SYNTHETIC);
    expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('succeeded');
    // The same job again (BullMQ redelivery after a lost lock): the run is no longer claimable.
    expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('skipped');
    expect(await database.db.result.count({ where: { runId: teacher.id } })).toBe(1);
  });

  it('resumes a run left running by a worker that died', async () => {
    const { teacher } = await submit(SYNTHETIC);
    await database.db.run.update({ where: { id: teacher.id }, data: { state: 'running', workerId: 'dead-worker' } });
    expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('succeeded');
    const run = await database.db.run.findUniqueOrThrow({ where: { id: teacher.id } });
    expect(run.workerId).toBe('test-worker');
    expect(run.state).toBe('succeeded');
  });

  it('drops a job queued for an older attempt', async () => {
    const { teacher } = await submit(SYNTHETIC);
    await database.db.run.update({ where: { id: teacher.id }, data: { attempt: 2 } });
    expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('skipped');
    expect((await database.db.run.findUniqueOrThrow({ where: { id: teacher.id } })).state).toBe('queued');
  });

  describe('when a run fails', () => {
    it('records the error, cancels its dependents with the reason, and fails the sweep', async () => {
      const { sweepId, teacher, student, ptq } = await submit({ name: 'idx', path: '/nonexistent/distillery-data' });
      expect(await executeJob({ runId: teacher.id, attempt: 1 }, ctx)).toBe('failed');
      const failed = await database.db.run.findUniqueOrThrow({ where: { id: teacher.id } });
      expect(failed.state).toBe('failed');
      expect(failed.error).toContain('/nonexistent/distillery-data');
      for (const id of [student.id, ptq.id]) {
        const dependent = await database.db.run.findUniqueOrThrow({ where: { id } });
        expect(dependent.state).toBe('cancelled');
        expect(dependent.skippedReason).toContain(`parent run teacher (${teacher.id}) failed`);
      }
      expect((await database.db.sweep.findUniqueOrThrow({ where: { id: sweepId } })).state).toBe('failed');
    });
  });
});
