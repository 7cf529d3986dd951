import { request } from 'node:http';
import { createApiKey } from '@distillery/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, quickstart, submitSweep, type TestApi } from './helper.ts';
import { openSse, type SseStream } from './sse-client.ts';

const POLL_MS = 300;
/** What one poll may take beyond its interval on a busy test machine: the key check and the event read. */
const SLACK_MS = 700;

let api: TestApi;
let base: string;
let sweepId: string;
let otherSweepId: string;
beforeAll(async () => {
  api = await buildTestApi({ events: { pollMs: POLL_MS, maxStreamsPerKey: 2, maxStreamsPerTeam: 3, maxStreams: 4 } });
  base = await api.app.listen({ port: 0, host: '127.0.0.1' });
  // Its runs stay queued (no worker): a stream of it stays open until the client or the server ends it.
  sweepId = await submitSweep(api, quickstart());
  otherSweepId = await submitSweep(api, quickstart(), api.otherTeam);
});
afterAll(async () => {
  await api?.close();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const streamOf = (key: string) => openSse(`${base}/v1/sweeps/${sweepId}/events`, bearer(key));

/** How long `stream` takes to end, in ms, or Infinity when it is still open after `limitMs`. */
async function endsWithin(stream: SseStream, limitMs: number): Promise<number> {
  const start = performance.now();
  const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), limitMs));
  return Promise.race([stream.ended.then(() => performance.now() - start), timeout]);
}

describe('an open event stream', () => {
  it('ends within one poll interval once its key is revoked, saying why, and its key cannot reopen it', async () => {
    const key = await createApiKey(api.store, api.team.teamId, { role: 'viewer', name: 'dashboard' });
    const stream = await streamOf(key.apiKey);
    expect(stream.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2 * POLL_MS));

    const revoked = await api.request({ method: 'DELETE', url: `/v1/keys/${key.apiKeyId}` });
    expect(revoked.statusCode).toBe(204);
    const took = await endsWithin(stream, 10_000);

    expect(took).toBeLessThan(POLL_MS + SLACK_MS);
    const last = stream.events.at(-1);
    expect(last?.event).toBe('error');
    expect(JSON.parse(last?.data ?? '{}')).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await streamOf(key.apiKey)).status).toBe(401);
  });

  it('ends with its key even while a long backlog goes to a client that reads slowly', async () => {
    const sweep = await submitSweep(api, quickstart());
    const run = await api.db.run.findFirstOrThrow({ where: { sweepId: sweep, kind: 'teacher' } });
    const BACKLOG = 30_000;
    // ~15 MB of events: far more than the socket buffers hold, so the server waits on the paused client.
    await api.db.$executeRaw`
      INSERT INTO run_events (sweep_id, seq, run_id, type, data)
      SELECT ${sweep}::uuid, 1000000 + g, ${run.id}::uuid, 'epoch', jsonb_build_object('epoch', g, 'pad', repeat('x', 400))
      FROM generate_series(1, ${BACKLOG}) g`;
    const key = await createApiKey(api.store, api.team.teamId, { role: 'viewer' });
    const received = { epochs: 0, last: '' };
    const ended = new Promise<void>((resolve, reject) => {
      const req = request(`${base}/v1/sweeps/${sweep}/events`, { headers: bearer(key.apiKey) }, (res) => {
        let buffer = '';
        res.setEncoding('utf8');
        res.once('data', () => res.pause());
        res.on('data', (chunk: string) => {
          buffer += chunk;
          const blocks = buffer.split('\n\n');
          buffer = blocks.pop() ?? '';
          for (const b of blocks) {
            const type = /^event: (.*)$/m.exec(b)?.[1];
            if (type === 'epoch') received.epochs++;
            if (type !== undefined) received.last = type;
          }
        });
        res.on('end', resolve);
        res.on('close', resolve);
        setTimeout(async () => {
          await api.request({ method: 'DELETE', url: `/v1/keys/${key.apiKeyId}` });
          setTimeout(() => res.resume(), 3 * POLL_MS);
        }, 500);
      });
      req.on('error', reject);
      req.end();
    });
    await ended;
    expect(received.last).toBe('error');
    expect(received.epochs).toBeLessThan(BACKLOG);
  });

  it('ends within one poll interval once its key expires', async () => {
    const key = await createApiKey(api.store, api.team.teamId, {
      role: 'viewer',
      expiresAt: new Date(Date.now() + 1500),
    });
    const stream = await streamOf(key.apiKey);
    expect(stream.status).toBe(200);
    const took = await endsWithin(stream, 10_000);
    // It opened before the expiry and ends at most one interval (plus a poll's work) after it.
    expect(Date.now()).toBeGreaterThanOrEqual(key.expiresAt?.getTime() ?? 0);
    expect(Date.now() - (key.expiresAt?.getTime() ?? 0)).toBeLessThan(POLL_MS + SLACK_MS);
    expect(took).toBeLessThan(1500 + POLL_MS + SLACK_MS);
    expect(stream.events.at(-1)?.event).toBe('error');
  });
});

describe('the caps on open event streams', () => {
  it('answer 429 TOO_MANY_STREAMS with retry-after to a key holding its most, and free a place when one closes', async () => {
    const key = (await createApiKey(api.store, api.team.teamId, { role: 'viewer' })).apiKey;
    const open = [await streamOf(key), await streamOf(key)];
    expect(open.map((s) => s.status)).toEqual([200, 200]);
    const metrics = await api.request({ method: 'GET', url: '/metrics', as: null });
    expect(metrics.body).toMatch(/^distillery_event_streams [2-9]$/m);

    const refused = await api.request({
      method: 'GET',
      url: `/v1/sweeps/${sweepId}/events`,
      headers: bearer(key),
      as: null,
    });
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json().error).toEqual({
      code: 'TOO_MANY_STREAMS',
      message: 'this API key already has 2 open event streams, the most it may hold; close one or retry in 10 s',
    });

    open[0]?.close();
    await waitFor(async () => {
      const again = await streamOf(key);
      again.close();
      return again.status === 200;
    });
    for (const s of open) s.close();
  });

  it("answer 429 to a team's keys once the team holds its most, and to any key once the server does", async () => {
    const keysOf = (teamId: string, n: number) =>
      Promise.all(
        Array.from({ length: n }, async () => (await createApiKey(api.store, teamId, { role: 'viewer' })).apiKey),
      );
    const [a1, a2, a3, a4] = await keysOf(api.team.teamId, 4);
    const [b1, b2] = await keysOf(api.otherTeam.teamId, 2);
    // Streams of the tests above may still be closing: wait until the server holds none.
    await waitFor(async () => api.app.eventStreams.size === 0);
    const open = await Promise.all([a1, a2, a3].map((k) => streamOf(k as string)));
    expect(open.map((s) => s.status)).toEqual([200, 200, 200]);

    const teamFull = await api.request({
      method: 'GET',
      url: `/v1/sweeps/${sweepId}/events`,
      headers: bearer(a4 as string),
      as: null,
    });
    expect(teamFull.statusCode).toBe(429);
    expect(teamFull.json().error.message).toMatch(/^this key's team already has 3 open event streams/);

    const other = await openSse(`${base}/v1/sweeps/${otherSweepId}/events`, bearer(b1 as string));
    expect(other.status).toBe(200);
    open.push(other);
    const serverFull = await api.request({
      method: 'GET',
      url: `/v1/sweeps/${otherSweepId}/events`,
      headers: bearer(b2 as string),
      as: null,
    });
    expect(serverFull.statusCode).toBe(429);
    expect(serverFull.json().error.code).toBe('TOO_MANY_STREAMS');
    expect(serverFull.json().error.message).toMatch(/^the server already serves 4 event streams/);
    for (const s of open) s.close();
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
