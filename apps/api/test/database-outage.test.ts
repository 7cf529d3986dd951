import { randomUUID } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { type DatabasePoolOptions, PgPoolStore, type Store } from '@distillery/db';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/index.ts';
import { useTestApi } from './helper.ts';

/** The outage's bounds: connect 1 s; the client's own statement bound 1.5 s. */
const POOL: DatabasePoolOptions = { connectTimeoutMs: 1000, statementTimeoutMs: 1000, queryTimeoutMs: 1500 };
/** An answer must come within the bound that applies plus this much (a busy machine). */
const SLACK_MS = 1500;

const api = useTestApi();

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** An app whose results database is at `url`; Redis is the suite's (up). */
async function appOn(url: string): Promise<{ app: FastifyInstance; db: Store }> {
  const db = new PgPoolStore(url, POOL);
  // Every request looks its key up (no cache): these tests reach the database through the auth hook.
  const app = await buildApp({
    db,
    queue: api.queue,
    redisProbe: api.redisProbe,
    metrics: { refreshMs: 60_000 },
    apiKeyCache: { ttlMs: 0 },
  });
  await app.ready();
  return { app, db };
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work;
  return { value, ms: performance.now() - start };
}

/** Every answer a client relies on during an outage: 503 with retry-after and a stable code, nothing internal. */
async function expectOutageAnswers(app: FastifyInstance, boundMs: number): Promise<void> {
  const headers = { authorization: `Bearer dst_${randomUUID()}` };
  for (const url of ['/v1/me', '/v1/sweeps']) {
    const { value: res, ms } = await timed(app.inject({ method: 'GET', url, headers }));
    expect(res.statusCode, `${url}: ${res.body}`).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.json()).toEqual({
      error: { code: 'DATABASE_UNAVAILABLE', message: 'the results database is unavailable; retry in 5 s' },
    });
    expect(ms).toBeLessThan(boundMs + SLACK_MS);
  }
  const { value: metrics, ms } = await timed(app.inject({ method: 'GET', url: '/metrics' }));
  expect(metrics.statusCode).toBe(200);
  expect(ms).toBeLessThan(SLACK_MS);
  expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
}

describe('when PostgreSQL is unreachable (nothing listens on its port)', () => {
  it('answers 503 DATABASE_UNAVAILABLE with retry-after at once, never 500', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { app, db } = await appOn(`postgresql://postgres@127.0.0.1:${port}/distillery`);
    try {
      await expectOutageAnswers(app, 0);
    } finally {
      await app.close();
      await db.close();
    }
  });
});

describe('when PostgreSQL accepts connections but never answers', () => {
  it('answers 503 within the connect timeout, never hangs', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    const port = await listen(silent);
    const { app, db } = await appOn(`postgresql://postgres@127.0.0.1:${port}/distillery`);
    try {
      await expectOutageAnswers(app, POOL.connectTimeoutMs ?? 0);
      expect(sockets.size).toBeGreaterThan(0);
    } finally {
      await app.close();
      await db.close();
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});

describe('when PostgreSQL stops answering on connections already open', () => {
  it('answers 503 within the client statement bound, and serves again once it answers', async () => {
    // A TCP proxy to the suite's PostgreSQL that can go silent: it keeps the connections but forwards nothing.
    const target = new URL(api.databaseUrl);
    let silent = false;
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = createConnection(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(upstream);
      for (const s of [client, upstream]) s.on('error', () => {});
      client.on('data', (chunk) => silent || upstream.write(chunk));
      upstream.on('data', (chunk) => silent || client.write(chunk));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    const port = await listen(proxy);
    const url = new URL(api.databaseUrl);
    url.port = String(port);
    const { app, db } = await appOn(url.toString());
    const me = () =>
      app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${api.team.apiKey}` } });
    try {
      expect((await me()).statusCode).toBe(200);
      silent = true;
      const { value: res, ms } = await timed(me());
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('DATABASE_UNAVAILABLE');
      expect(ms).toBeLessThan((POOL.queryTimeoutMs ?? 0) + SLACK_MS);
      silent = false;
      expect((await me()).statusCode).toBe(200);
    } finally {
      await app.close();
      await db.close();
      for (const s of sockets) s.destroy();
      proxy.close();
    }
  });
});
