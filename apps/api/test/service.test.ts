import { PgPoolStore } from '@distillery/db';
import { RedisProbe } from '@distillery/queue';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/index.ts';
import { useTestApi } from './helper.ts';

const api = useTestApi();

describe('GET /healthz', () => {
  it('answers 200 without a key', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /readyz', () => {
  it('answers 200 when PostgreSQL and Redis answer', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });

  describe('when Redis is unreachable', () => {
    it('answers 503 naming Redis', async () => {
      const redisProbe = new RedisProbe('redis://127.0.0.1:1');
      const app = await buildApp({ db: api.store, queue: api.queue, redisProbe });
      try {
        const res = await app.inject({ method: 'GET', url: '/readyz' });
        expect(res.statusCode).toBe(503);
        expect(res.json()).toEqual({ status: 'unavailable', checks: { postgres: 'ok', redis: 'failed' } });
      } finally {
        await app.close();
        await redisProbe.close();
      }
    });
  });

  describe('when PostgreSQL is unreachable', () => {
    it('answers 503 naming PostgreSQL', async () => {
      const db = new PgPoolStore('postgresql://postgres@127.0.0.1:1/none');
      const app = await buildApp({ db, queue: api.queue, redisProbe: api.redisProbe });
      try {
        const res = await app.inject({ method: 'GET', url: '/readyz' });
        expect(res.statusCode).toBe(503);
        expect(res.json()).toEqual({ status: 'unavailable', checks: { postgres: 'failed', redis: 'ok' } });
      } finally {
        await app.close();
        await db.close();
      }
    });
  });
});

describe('GET /docs', () => {
  it('serves the OpenAPI document built from the zod schemas', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/',
      '/dashboard/{*}',
      '/healthz',
      '/metrics',
      '/readyz',
      '/v1/compare',
      '/v1/frontier',
      '/v1/keys',
      '/v1/keys/{id}',
      '/v1/me',
      '/v1/results',
      '/v1/results/runs',
      '/v1/runs',
      '/v1/runs/{id}',
      '/v1/runs/{id}/artifacts/{name}',
      '/v1/runs/{id}/cancel',
      '/v1/runs/{id}/events',
      '/v1/runs/{id}/metrics',
      '/v1/sweeps',
      '/v1/sweeps/{id}',
      '/v1/sweeps/{id}/cancel',
      '/v1/sweeps/{id}/events',
      '/v1/sweeps/{id}/metrics',
      '/v1/sweeps/{id}/results',
      '/v1/sweeps/{id}/runs',
    ]);
    const submit = doc.paths['/v1/sweeps'].post;
    expect(Object.keys(submit.requestBody.content).sort()).toEqual(
      ['application/json', 'application/x-yaml', 'application/yaml', 'text/yaml'].sort(),
    );
    expect(Object.keys(submit.responses).sort()).toEqual([
      '200',
      '201',
      '400',
      '401',
      '403',
      '413',
      '415',
      '429',
      '500',
      '503',
    ]);
    expect(submit.security).toEqual([{ apiKey: [] }]);
  });

  it('serves the Swagger UI', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('an unknown route', () => {
  it('answers 404 with the error body', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/v2/everything?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "ROUTE_NOT_FOUND",
          "message": "no route GET /v2/everything",
        },
      }
    `);
  });
});

describe('a dependency outage', () => {
  it('answers a database outage with 503 and a body that says nothing internal', async () => {
    const db = new PgPoolStore('postgresql://postgres@127.0.0.1:1/none');
    const app = await buildApp({ db, queue: api.queue, redisProbe: api.redisProbe });
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/sweeps',
        headers: { authorization: `Bearer ${api.team.apiKey}` },
      });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toMatchInlineSnapshot(`
        {
          "error": {
            "code": "DATABASE_UNAVAILABLE",
            "message": "the results database is unavailable; retry in 5 s",
          },
        }
      `);
    } finally {
      await app.close();
      await db.close();
    }
  });
});

describe('buildApp options', () => {
  it('rejects a body limit that is not a positive number of bytes', async () => {
    await expect(
      buildApp({ db: api.store, queue: api.queue, redisProbe: api.redisProbe, bodyLimit: 0 }),
    ).rejects.toThrow('ApiOptions.bodyLimit must be a positive integer number of bytes, got 0');
  });

  it('applies a custom body limit', async () => {
    const app = await buildApp({ db: api.store, queue: api.queue, redisProbe: api.redisProbe, bodyLimit: 64 });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/sweeps',
        headers: { authorization: `Bearer ${api.team.apiKey}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'x'.repeat(100) }),
      });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.message).toBe('the request body is larger than the limit of 64 bytes');
    } finally {
      await app.close();
    }
  });
});
