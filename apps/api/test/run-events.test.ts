import { claimRun, completeRun, RunEventListener, recordEpoch } from '@distillery/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, quickstart, STAND_IN_RESULT, submitSweep, type TestApi } from './helper.ts';
import { openSse, type SseEvent } from './sse-client.ts';

let api: TestApi;
let listener: RunEventListener;
let base: string;
beforeAll(async () => {
  // Streams are woken by LISTEN/NOTIFY on the suite's own database, which buildTestApi creates: the app gets a
  // source that forwards to the listener started right after. The poll interval is long, so the streams below
  // only move as fast as they do because notifications arrive.
  const source = { subscribe: (sweepId: string, wake: () => void) => listener.subscribe(sweepId, wake) };
  api = await buildTestApi({ events: { source, pollMs: 60_000 } });
  listener = new RunEventListener(api.databaseUrl);
  await listener.start();
  base = await api.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await listener?.close();
  await api?.close();
});

const auth = () => ({ authorization: `Bearer ${api.team.apiKey}` });
const epoch = (n: number) => ({
  epoch: n,
  epochs: 5,
  trainLoss: 1 / n,
  trainAccuracy: 0.5,
  valLoss: null,
  valAccuracy: null,
  learningRate: 0.01,
  seconds: 0.1,
});
const body = (e: SseEvent) => JSON.parse(e.data);

async function teacherOf(sweepId: string) {
  return api.db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
}

describe('GET /v1/runs/:id/events', () => {
  it('streams every state change and epoch of a run, and misses nothing across a reconnect', async () => {
    const sweepId = await submitSweep(api, quickstart());
    const teacher = await teacherOf(sweepId);
    await claimRun(api.store, teacher.id, 1, 'w1');
    await recordEpoch(api.store, teacher.id, 1, epoch(1));

    const first = await openSse(`${base}/v1/runs/${teacher.id}/events`, auth());
    expect(first.status).toBe(200);
    await first.until((e) => e.event === 'epoch' && body(e).data.epoch === 1);
    await recordEpoch(api.store, teacher.id, 1, epoch(2));
    const last = await first.until((e) => e.event === 'epoch' && body(e).data.epoch === 2);
    first.close();

    // While the client is away.
    await recordEpoch(api.store, teacher.id, 1, epoch(3));
    await recordEpoch(api.store, teacher.id, 1, epoch(4));

    const second = await openSse(`${base}/v1/runs/${teacher.id}/events`, { ...auth(), 'last-event-id': last.id ?? '' });
    await second.until((e) => e.event === 'epoch' && body(e).data.epoch === 4);
    await recordEpoch(api.store, teacher.id, 1, epoch(5));
    await completeRun(api.store, teacher.id, 1, STAND_IN_RESULT, []);
    await second.ended;

    const seen = [...first.events, ...second.events];
    const ids = seen.filter((e) => e.id !== undefined).map((e) => Number(e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(seen.filter((e) => e.event === 'epoch').map((e) => body(e).data.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.filter((e) => e.event === 'state').map((e) => body(e).data.state)).toEqual([
      'queued',
      'running',
      'succeeded',
    ]);
    expect(seen.at(-1)).toMatchObject({ event: 'end', data: JSON.stringify({ state: 'succeeded' }) });
    expect(body(seen[0] as SseEvent)).toMatchObject({ runId: teacher.id, type: 'state', data: { attempt: 1 } });
  });

  it('answers 204 to a client that already has everything of a finished run', async () => {
    const sweepId = await submitSweep(api, quickstart());
    const teacher = await teacherOf(sweepId);
    await claimRun(api.store, teacher.id, 1, 'w1');
    await completeRun(api.store, teacher.id, 1, STAND_IN_RESULT, []);
    const all = await api.request({ method: 'GET', url: `/v1/runs/${teacher.id}/events` });
    expect(all.statusCode).toBe(200);
    expect(all.headers['content-type']).toMatch(/^text\/event-stream/);
    const lastId = [...all.body.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]).at(-1) ?? '';
    const again = await api.request({
      method: 'GET',
      url: `/v1/runs/${teacher.id}/events`,
      headers: { 'last-event-id': lastId },
    });
    expect(again.statusCode).toBe(204);
  });

  it('rejects a Last-Event-ID that is not an event id, naming the header', async () => {
    const sweepId = await submitSweep(api, quickstart());
    const teacher = await teacherOf(sweepId);
    const res = await api.request({
      method: 'GET',
      url: `/v1/runs/${teacher.id}/events`,
      headers: { 'last-event-id': 'yesterday' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toEqual([
      { path: 'last-event-id', message: 'an event id: a non-negative integer' },
    ]);
  });

  it("answers 404 for another team's run", async () => {
    const sweepId = await submitSweep(api, quickstart());
    const teacher = await teacherOf(sweepId);
    const res = await api.request({ method: 'GET', url: `/v1/runs/${teacher.id}/events`, as: api.otherTeam });
    expect(res.statusCode).toBe(404);
  });
});

describe('GET /v1/sweeps/:id/events', () => {
  it("replays the sweep's history numbered 1, 2, 3… and streams what follows", async () => {
    const sweepId = await submitSweep(api, quickstart());
    const teacher = await teacherOf(sweepId);
    const stream = await openSse(`${base}/v1/sweeps/${sweepId}/events`, auth());
    await stream.until((e) => e.id === '5');
    await claimRun(api.store, teacher.id, 1, 'w1');
    await completeRun(api.store, teacher.id, 1, STAND_IN_RESULT, []);
    // Succeeded teacher (7) releases both students (8, 9).
    await stream.until((e) => e.id === '9');
    stream.close();
    const numbered = stream.events.filter((e) => e.id !== undefined);
    expect(numbered.map((e) => Number(e.id))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(numbered.map((e) => body(e).data.state)).toEqual([
      'queued',
      'waiting',
      'waiting',
      'waiting',
      'waiting',
      'running',
      'succeeded',
      'queued',
      'queued',
    ]);
  });
});
