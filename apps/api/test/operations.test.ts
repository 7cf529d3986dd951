import { randomInt, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { claimRun, recordEpoch } from '@distillery/db';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/index.ts';
import { quickstart, REDIS_URL, submitSweep, useTestApi } from './helper.ts';

// The gauges are refreshed in the background; often, so the test below sees its runs soon.
const api = useTestApi({ metrics: { refreshMs: 50 } });

/** A pino destination that keeps every JSON line. */
function captureLogs(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { stream, lines };
}

/** When the scraped gauges were last refreshed (Unix seconds), or 0. */
function refreshedAt(text: string): number {
  return Number(/^distillery_metrics_refreshed_timestamp_seconds (\S+)$/m.exec(text)?.[1] ?? 0);
}

describe('GET /metrics', () => {
  it('reports runs by state, queue depth, training throughput and HTTP latency in Prometheus format', async () => {
    const sweep = await submitSweep(api, quickstart());
    const teacher = await api.db.run.findFirstOrThrow({ where: { sweepId: sweep, kind: 'teacher' } });
    await claimRun(api.store, teacher.id, teacher.attempt, 'metrics-test');
    await recordEpoch(api.store, teacher.id, teacher.attempt, {
      epoch: 1,
      epochs: 2,
      trainLoss: 1,
      trainAccuracy: 0.5,
      valLoss: null,
      valAccuracy: null,
      learningRate: 0.001,
      seconds: 2,
    });
    await api.request({ method: 'GET', url: '/v1/sweeps' });

    // The first refresh after the epoch above was recorded (the timestamp gauge says when one completed).
    const since = Date.now() / 1000;
    let res = await api.request({ method: 'GET', url: '/metrics', as: null });
    for (let i = 0; i < 100 && refreshedAt(res.body) <= since; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      res = await api.request({ method: 'GET', url: '/metrics', as: null });
    }
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = res.body;
    expect(text).toMatch(/^distillery_runs\{state="running"\} [1-9]\d*$/m);
    expect(text).toMatch(/^distillery_runs\{state="waiting"\} [1-9]\d*$/m);
    expect(text).toMatch(/^distillery_queue_jobs\{state="waiting"\} \d+$/m);
    // quickstart trains on 6,000 samples less 10% validation: one epoch in the last minute is 5,400 / 60 per second.
    expect(text).toMatch(/^distillery_training_samples_per_second 90$/m);
    expect(text).toMatch(
      /^distillery_http_request_duration_seconds_count\{method="GET",route="\/v1\/sweeps",status_code="200"\} [1-9]/m,
    );
    expect(text).toMatch(/^distillery_api_process_cpu_seconds_total /m);
  });
});

describe('request ids', () => {
  it('answers with a fresh X-Request-Id, or the caller’s when it is a sane token', async () => {
    const fresh = await api.request({ method: 'GET', url: '/healthz', as: null });
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await api.request({ method: 'GET', url: '/v1/sweeps', headers: { 'x-request-id': 'lb-7f3a.42' } });
    expect(given.headers['x-request-id']).toBe('lb-7f3a.42');
    const odd = await api.request({
      method: 'GET',
      url: '/healthz',
      as: null,
      headers: { 'x-request-id': 'a b\u0007' },
    });
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs JSON lines carrying the request id, and a 500 with its cause but a body that says nothing', async () => {
    const { stream, lines } = captureLogs();
    const app = await buildApp({ db: api.store, queue: api.queue, redisProbe: api.redisProbe, logger: { stream } });
    app.get('/boom', async () => {
      throw new Error('secret detail: connection string postgres://x');
    });
    try {
      const ok = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'req-ok' } });
      expect(ok.statusCode).toBe(200);
      const boom = await app.inject({ method: 'GET', url: '/boom' });
      expect(boom.statusCode).toBe(500);
      expect(boom.json()).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'internal server error' } });
      const id = boom.headers['x-request-id'];
      const failure = lines.find((l) => l.requestId === id && l.level === 50);
      expect(failure).toMatchObject({
        msg: 'request failed',
        err: { message: expect.stringContaining('secret detail') },
      });
      expect(lines.filter((l) => l.requestId === 'req-ok').map((l) => l.msg)).toEqual([
        'incoming request',
        'request completed',
      ]);
    } finally {
      await app.close();
    }
  });
});

describe('rate limits', () => {
  it('answer 429 with retry-after once a key has used its requests, leaving other keys alone', async () => {
    const app = await buildApp({
      db: api.store,
      queue: api.queue,
      redisProbe: api.redisProbe,
      rateLimit: { max: 3, timeWindowMs: 60_000 },
    });
    try {
      const as = (key: string) => ({ authorization: `Bearer ${key}` });
      for (let i = 0; i < 3; i++) {
        expect((await app.inject({ method: 'GET', url: '/v1/me', headers: as(api.team.apiKey) })).statusCode).toBe(200);
      }
      const limited = await app.inject({ method: 'GET', url: '/v1/me', headers: as(api.team.apiKey) });
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.headers['x-ratelimit-limit']).toBe('3');
      expect(limited.json().error).toMatchObject({ code: 'RATE_LIMITED' });
      expect(limited.json().error.message).toMatch(/^rate limit of 3 requests per 1 minute reached; retry in \d+ s$/);
      expect((await app.inject({ method: 'GET', url: '/v1/me', headers: as(api.otherTeam.apiKey) })).statusCode).toBe(
        200,
      );
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('are shared by API processes that count in the same Redis', async () => {
    const key = `dst_${randomUUID()}`;
    const build = () =>
      buildApp({
        db: api.store,
        queue: api.queue,
        redisProbe: api.redisProbe,
        rateLimit: { max: 2, maxFailedAuth: 2, timeWindowMs: 60_000, redisUrl: REDIS_URL },
      });
    const [one, two] = await Promise.all([build(), build()]);
    try {
      // An address of this test's own: failed authentications are counted per address, in the shared Redis.
      const remoteAddress = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
      const get = (app: typeof one) =>
        app.inject({ method: 'GET', url: '/v1/sweeps', remoteAddress, headers: { authorization: `Bearer ${key}` } });
      // Failed authentications (an unknown key) are counted across processes: guessing keys is limited.
      expect((await get(one)).statusCode).toBe(401);
      expect((await get(two)).statusCode).toBe(401);
      expect((await get(one)).statusCode).toBe(429);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
