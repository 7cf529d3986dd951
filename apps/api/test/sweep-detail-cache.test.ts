import {
  claimRun,
  completeRun,
  createApiKey,
  PgPoolStore,
  RunEventListener,
  type RunEventSource,
  recordBatchProgress,
  revokeApiKey,
} from '@distillery/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SweepDetailAnswer, SweepDetailCache } from '../src/lib/sweep-detail-cache.ts';
import { buildTestApi, quickstart, STAND_IN_RESULT, submitSweep, type TestApi } from './helper.ts';

/** A source whose notifications the test sends itself (`notify`), as the LISTEN connection would deliver them. */
function eventSource() {
  const subscribers = new Map<string, Set<() => void>>();
  return {
    subscribe(sweepId: string, onEvents: () => void) {
      const set = subscribers.get(sweepId) ?? new Set();
      subscribers.set(sweepId, set.add(onEvents));
      return () => set.delete(onEvents);
    },
    notify(sweepId: string) {
      for (const onEvents of subscribers.get(sweepId) ?? []) onEvents();
    },
    subscribed(sweepId: string) {
      return subscribers.get(sweepId)?.size ?? 0;
    },
  };
}

/** A read answering `answer-n` for its n-th call, counting calls. */
function counted() {
  const read = async (): Promise<SweepDetailAnswer> => {
    read.calls++;
    return { body: `answer-${read.calls}`, etag: `"${read.calls}"` };
  };
  read.calls = 0;
  return read;
}

/** A read that resolves when the test says so. */
function deferred() {
  let resolve: (a: SweepDetailAnswer) => void = () => {};
  const promise = new Promise<SweepDetailAnswer>((r) => {
    resolve = r;
  });
  return { read: () => promise, resolve: (body: string) => resolve({ body, etag: `"${body}"` }) };
}

describe('SweepDetailCache', () => {
  it('serves an answer read less than maxAgeMs ago without reading again, and reads once that has passed', async () => {
    const cache = new SweepDetailCache(eventSource(), { maxAgeMs: 1000 });
    const read = counted();
    expect((await cache.get('t', 's', read, 0)).body).toBe('answer-1');
    expect((await cache.get('t', 's', read, 999)).body).toBe('answer-1');
    expect((await cache.get('t', 's', read, 1000)).body).toBe('answer-2');
    expect(read.calls).toBe(2);
  });

  it('reads again after a notification of the sweep, and only of that sweep', async () => {
    const source = eventSource();
    const cache = new SweepDetailCache(source, { maxAgeMs: 60_000 });
    const read = counted();
    const other = counted();
    await cache.get('t', 's', read, 0);
    await cache.get('t', 'other', other, 0);
    source.notify('s');
    expect((await cache.get('t', 's', read, 1)).body).toBe('answer-2');
    expect((await cache.get('t', 'other', other, 1)).body).toBe('answer-1');
  });

  it('does not keep an answer whose read was in flight when a notification arrived', async () => {
    const source = eventSource();
    const cache = new SweepDetailCache(source, { maxAgeMs: 60_000 });
    const before = deferred();
    const first = cache.get('t', 's', before.read, 0);
    source.notify('s');
    // A request after the notification does not join the read that began before it.
    const after = deferred();
    const second = cache.get('t', 's', after.read, 1);
    before.resolve('before');
    after.resolve('after');
    expect((await first).body).toBe('before');
    expect((await second).body).toBe('after');
    expect((await cache.get('t', 's', counted(), 2)).body).toBe('after');
  });

  it('does not serve an answer read before a write this process answered, even one in flight then', async () => {
    const cache = new SweepDetailCache(eventSource(), { maxAgeMs: 60_000 });
    await cache.get('t', 's', counted(), 0);
    cache.noteWrite();
    const racing = deferred();
    const first = cache.get('t', 's', racing.read, 1);
    cache.noteWrite();
    racing.resolve('read before the second write');
    await first;
    const read = counted();
    expect((await cache.get('t', 's', read, 2)).body).toBe('answer-1');
    expect(read.calls).toBe(1);
  });

  it('joins the requests that arrive while a read is in flight to that read', async () => {
    const cache = new SweepDetailCache(eventSource(), { maxAgeMs: 60_000 });
    const slow = deferred();
    const answers = [cache.get('t', 's', slow.read, 0), cache.get('t', 's', slow.read, 0)];
    const unused = counted();
    answers.push(cache.get('t', 's', unused, 1));
    slow.resolve('one read');
    expect((await Promise.all(answers)).map((a) => a.body)).toEqual(['one read', 'one read', 'one read']);
    expect(unused.calls).toBe(0);
  });

  it("keeps each team's answer apart: one team's read is never another's answer", async () => {
    const cache = new SweepDetailCache(eventSource(), { maxAgeMs: 60_000 });
    await cache.get('team-a', 's', async () => ({ body: 'a', etag: '"a"' }), 0);
    const notFound = new Error('not found');
    await expect(cache.get('team-b', 's', () => Promise.reject(notFound), 1)).rejects.toBe(notFound);
  });

  it('keeps nothing for a sweep whose read failed (a 404 included) and lets its subscription go', async () => {
    const source = eventSource();
    const cache = new SweepDetailCache(source, { maxAgeMs: 60_000 });
    await expect(cache.get('t', 's', () => Promise.reject(new Error('not found')), 0)).rejects.toThrow();
    expect(cache.size).toBe(0);
    expect(source.subscribed('s')).toBe(0);
  });

  it('lets the oldest entry and its subscription go past maxEntries', async () => {
    const source = eventSource();
    const cache = new SweepDetailCache(source, { maxAgeMs: 60_000, maxEntries: 2 });
    for (const sweep of ['s1', 's2', 's3']) await cache.get('t', sweep, counted(), 0);
    expect(cache.size).toBe(2);
    expect(['s1', 's2', 's3'].map((s) => source.subscribed(s))).toEqual([0, 1, 1]);
    cache.close();
    expect(['s2', 's3'].map((s) => source.subscribed(s))).toEqual([0, 0]);
  });

  it('reads every time without an event source, or with maxAgeMs 0', async () => {
    for (const cache of [new SweepDetailCache(undefined), new SweepDetailCache(eventSource(), { maxAgeMs: 0 })]) {
      const read = counted();
      await cache.get('t', 's', read, 0);
      await cache.get('t', 's', read, 0);
      expect(read.calls).toBe(2);
      expect(cache.size).toBe(0);
    }
  });

  it('rejects options that are not durations or counts, naming the option', () => {
    expect(() => new SweepDetailCache(undefined, { maxAgeMs: -1 })).toThrow(/sweepDetailCache\.maxAgeMs/);
    expect(() => new SweepDetailCache(undefined, { maxEntries: 0.5 })).toThrow(/sweepDetailCache\.maxEntries/);
  });
});

describe('GET /v1/sweeps/:id with notifications (real PostgreSQL LISTEN/NOTIFY)', () => {
  let api: TestApi;
  let listener: RunEventListener;
  beforeAll(async () => {
    // A minute's maxAgeMs: within these tests only a notification or a write can make the answer change. Keys are
    // resolved on every request, so a key revoked elsewhere is refused at once.
    const source: RunEventSource = { subscribe: (sweepId, wake) => listener.subscribe(sweepId, wake) };
    api = await buildTestApi({ events: { source }, sweepDetailCache: { maxAgeMs: 60_000 }, apiKeyCache: { ttlMs: 0 } });
    listener = new RunEventListener(api.databaseUrl);
    await listener.start();
  });
  afterAll(async () => {
    await listener?.close();
    await api?.close();
  });

  const get = (sweepId: string, headers: Record<string, string> = {}, as = api.team) =>
    api.request({ method: 'GET', url: `/v1/sweeps/${sweepId}`, headers, as });
  /** Resolves once the listener has delivered the sweep's next notification (after the cache's own wake-up). */
  const notified = (sweepId: string) =>
    new Promise<void>((resolve) => {
      const stop = listener.subscribe(sweepId, () => {
        stop();
        resolve();
      });
    });

  it('answers the next GET after a run finished with the finished run, woken by its notification', async () => {
    const sweepId = await submitSweep(api, quickstart());
    const teacher = await api.db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
    const claimed = notified(sweepId);
    await claimRun(api.store, teacher.id, 1, 'w1');
    await claimed;
    const before = (await get(sweepId)).json();
    expect(before).toMatchObject({ counts: { running: 1, succeeded: 0 }, totals: { results: 0, progress: 0 } });

    // Progress within an epoch notifies nothing: the remembered answer stands (for up to maxAgeMs).
    await recordBatchProgress(api.store, teacher.id, { attempt: 1, epoch: 1, epochs: 2, batch: 10, batches: 20 });
    expect((await get(sweepId)).json()).toEqual(before);

    const finished = notified(sweepId);
    await completeRun(api.store, teacher.id, 1, STAND_IN_RESULT, []);
    await finished;
    const after = (await get(sweepId)).json();
    expect(after).toMatchObject({
      counts: { running: 0, succeeded: 1, queued: 2 },
      totals: { finished: 1, results: 1 },
    });
    expect(after.totals.progress).toBeGreaterThan(0);
  });

  it("never shows one team's remembered answer to another, whatever it sends", async () => {
    const sweepId = await submitSweep(api, quickstart());
    const mine = await get(sweepId);
    expect(mine.statusCode).toBe(200);
    const theirs = await get(sweepId, { 'if-none-match': String(mine.headers.etag) }, api.otherTeam);
    expect(theirs.statusCode).toBe(404);
    expect(theirs.headers.etag).toBeUndefined();
    expect(theirs.json().error.code).toBe('NOT_FOUND');
  });

  it('refuses a key revoked by another process although the sweep it read is remembered', async () => {
    const sweepId = await submitSweep(api, quickstart());
    const key = await createApiKey(api.store, api.team.teamId, { name: 'poller', role: 'viewer' });
    const poller = { teamId: api.team.teamId, apiKey: key.apiKey };
    expect((await get(sweepId, {}, poller)).statusCode).toBe(200);
    const elsewhere = new PgPoolStore(api.databaseUrl);
    try {
      await revokeApiKey(elsewhere, key.apiKeyId);
    } finally {
      await elsewhere.close();
    }
    const refused = await get(sweepId, {}, poller);
    expect(refused.statusCode).toBe(401);
    expect(refused.body).not.toContain(sweepId);
  });

  it('answers 304 without a body to the ETag it gave, and a new ETag once the sweep changed', async () => {
    const sweepId = await submitSweep(api, quickstart());
    const first = await get(sweepId);
    const etag = String(first.headers.etag);
    expect(first.headers['cache-control']).toBe('private, no-cache');
    const unchanged = await get(sweepId, { 'if-none-match': etag });
    expect(unchanged.statusCode).toBe(304);
    expect(unchanged.body).toBe('');
    expect(unchanged.headers.etag).toBe(etag);
    expect((await get(sweepId, { 'if-none-match': `"other", W/${etag}` })).statusCode).toBe(304);

    const teacher = await api.db.run.findFirstOrThrow({ where: { sweepId, kind: 'teacher' } });
    const claimed = notified(sweepId);
    await claimRun(api.store, teacher.id, 1, 'w1');
    await claimed;
    const changed = await get(sweepId, { 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.json().counts.running).toBe(1);
  });

  it('answers the JSON the response schema describes, with a JSON content type', async () => {
    const sweepId = await submitSweep(api, quickstart());
    const res = await get(sweepId);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Object.keys(res.json())).toEqual([
      'id',
      'name',
      'tags',
      'state',
      'specHash',
      'runCount',
      'createdAt',
      'updatedAt',
      'finishedAt',
      'counts',
      'totals',
    ]);
  });
});

describe('GET /v1/sweeps/:id after a write through this API', () => {
  let api: TestApi;
  beforeAll(async () => {
    // A source that never delivers (as if every notification were lost): only this process's own writes can
    // make a remembered answer go.
    const silent: RunEventSource = { subscribe: () => () => {} };
    api = await buildTestApi({ events: { source: silent }, sweepDetailCache: { maxAgeMs: 60_000 } });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('shows a cancel made through the API on the very next read', async () => {
    const sweepId = await submitSweep(api, quickstart());
    const get = () => api.request({ method: 'GET', url: `/v1/sweeps/${sweepId}` });
    expect((await get()).json().state).toBe('running');
    const cancel = await api.request({ method: 'POST', url: `/v1/sweeps/${sweepId}/cancel` });
    expect(cancel.statusCode).toBe(200);
    expect((await get()).json()).toMatchObject({ state: 'cancelled', counts: { cancelled: 5 } });
  });

  it('remembers the answer while nothing was written (the cache is in use here)', async () => {
    const sweepId = await submitSweep(api, quickstart());
    const get = () => api.request({ method: 'GET', url: `/v1/sweeps/${sweepId}` });
    const before = (await get()).json();
    await api.db.sweep.update({ where: { id: sweepId }, data: { name: 'renamed behind its back' } });
    expect((await get()).json()).toEqual(before);
  });
});
