import { claimRun, recordBatchProgress, recordEpoch } from '@distillery/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, quickstart, submitSweep, type TestApi } from './helper.ts';
import { openSse, type SseEvent } from './sse-client.ts';

let api: TestApi;
let base: string;
beforeAll(async () => {
  // No event source: progress is read by each stream's poll (every 100 ms here), as it is in production.
  api = await buildTestApi({ events: { pollMs: 100 } });
  base = await api.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await api?.close();
});

const auth = () => ({ authorization: `Bearer ${api.team.apiKey}` });
const body = (e: SseEvent) => JSON.parse(e.data);
const at = (epoch: number, batch: number) => ({ attempt: 1, epoch, epochs: 2, batch, batches: 10 });

async function runningTeacher() {
  const sweepId = await submitSweep(api, quickstart());
  const teacher = await api.db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
  expect(await claimRun(api.store, teacher.id, 1, 'w1')).not.toBeNull();
  return { sweepId, teacher };
}

describe('progress within an epoch', () => {
  it("streams a running run's batches as progress messages without an id, and stores no event for them", async () => {
    const { sweepId, teacher } = await runningTeacher();
    const eventsBefore = await api.db.runEvent.count({ where: { sweepId } });
    const stream = await openSse(`${base}/v1/sweeps/${sweepId}/events`, auth());
    try {
      expect(await recordBatchProgress(api.store, teacher.id, at(1, 3))).toBe(true);
      const first = await stream.until((e) => e.event === 'progress');
      expect(first.id).toBeUndefined();
      expect(body(first)).toMatchObject({ runId: teacher.id, type: 'progress', data: at(1, 3) });
      expect(await recordBatchProgress(api.store, teacher.id, at(1, 7))).toBe(true);
      await stream.until((e) => e.event === 'progress' && body(e).data.batch === 7);
      // Each report is sent once: the stream does not repeat a report it sent.
      expect(stream.events.filter((e) => e.event === 'progress').map((e) => body(e).data.batch)).toEqual([3, 7]);
    } finally {
      stream.close();
    }
    expect(await api.db.runEvent.count({ where: { sweepId } })).toBe(eventsBefore);
    const run = (await api.request({ method: 'GET', url: `/v1/runs/${teacher.id}` })).json();
    expect(run.progress).toBeCloseTo(0.7 / 2, 10);
  });

  it("moves the run's progress forward only, and only under the running attempt", async () => {
    const { teacher } = await runningTeacher();
    const epoch = { epoch: 1, epochs: 2, trainLoss: 1, trainAccuracy: 0.5, valLoss: null, valAccuracy: null };
    expect(await recordEpoch(api.store, teacher.id, 1, { ...epoch, learningRate: 0.001, seconds: 1 })).toBe(true);
    // A report that was in flight while the epoch was recorded lands behind it.
    expect(await recordBatchProgress(api.store, teacher.id, at(1, 9))).toBe(true);
    expect((await api.db.run.findUniqueOrThrow({ where: { id: teacher.id } })).progress).toBe(0.5);
    expect(await recordBatchProgress(api.store, teacher.id, at(2, 5))).toBe(true);
    expect((await api.db.run.findUniqueOrThrow({ where: { id: teacher.id } })).progress).toBe(0.75);
    expect(await recordBatchProgress(api.store, teacher.id, { ...at(2, 6), attempt: 2 })).toBe(false);
    expect((await api.db.run.findUniqueOrThrow({ where: { id: teacher.id } })).progress).toBe(0.75);
  });

  it('sends a reconnecting client the latest report only, and shows it in a sweep that reuses the run', async () => {
    const spec = quickstart();
    const sweepId = await submitSweep(api, spec);
    const teacher = await api.db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
    expect(await claimRun(api.store, teacher.id, 1, 'w1')).not.toBeNull();
    const reusing = await submitSweep(api, spec);
    expect(await recordBatchProgress(api.store, teacher.id, at(1, 2))).toBe(true);
    expect(await recordBatchProgress(api.store, teacher.id, at(1, 4))).toBe(true);
    for (const url of [`/v1/runs/${teacher.id}/events`, `/v1/sweeps/${reusing}/events`]) {
      const stream = await openSse(`${base}${url}`, auth());
      try {
        const report = await stream.until((e) => e.event === 'progress');
        expect(body(report)).toMatchObject({ runId: teacher.id, data: at(1, 4) });
      } finally {
        stream.close();
      }
    }
  });

  it('sends no progress of a run that is not running (a new attempt starts without any)', async () => {
    const { sweepId, teacher } = await runningTeacher();
    expect(await recordBatchProgress(api.store, teacher.id, at(1, 4))).toBe(true);
    await api.db.run.update({ where: { id: teacher.id }, data: { state: 'queued', attempt: 2 } });
    expect((await claimRun(api.store, teacher.id, 2, 'w2'))?.run.attempt).toBe(2);
    expect((await api.db.run.findUniqueOrThrow({ where: { id: teacher.id } })).batchProgress).toBeNull();
    const stream = await openSse(`${base}/v1/sweeps/${sweepId}/events`, auth());
    try {
      // The stream's first pass has replayed the history; a later marker event shows a second pass went by too.
      await stream.until((e) => e.event === 'state' && body(e).data.state === 'running' && body(e).data.attempt === 2);
      expect(await recordBatchProgress(api.store, teacher.id, { ...at(1, 6), attempt: 2 })).toBe(true);
      const report = await stream.until((e) => e.event === 'progress');
      expect(body(report).data).toEqual({ ...at(1, 6), attempt: 2 });
    } finally {
      stream.close();
    }
  });
});
