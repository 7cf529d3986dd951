import { observeStatements } from '@distillery/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/index.ts';
import type { MetricsOptions } from '../src/plugins/metrics.ts';
import { buildTestApi, quickstart, submitSweep, type TestApi } from './helper.ts';

let api: TestApi;
beforeAll(async () => {
  api = await buildTestApi();
  await submitSweep(api, quickstart());
});
afterAll(async () => {
  await api?.close();
});

/** The app on the suite's database, counting every statement it sends. */
async function appCountingQueries(metrics: MetricsOptions): Promise<{ app: FastifyInstance; queries(): number }> {
  let queries = 0;
  const db = observeStatements(api.store, () => {
    queries++;
  });
  const app = await buildApp({ db, queue: api.queue, redisProbe: api.redisProbe, metrics });
  await app.ready();
  return { app, queries: () => queries };
}

const runsWaiting = (text: string) => Number(/^distillery_runs\{state="waiting"\} (\d+)$/m.exec(text)?.[1]);

describe('GET /metrics', () => {
  it('answers from gauges refreshed in the background: a scrape sends no query to PostgreSQL', async () => {
    const { app, queries } = await appCountingQueries({ refreshMs: 60_000 });
    try {
      // The refresh at start (scraping does not query, so waiting for it by scraping changes nothing).
      const refreshed = /^distillery_metrics_refreshed_timestamp_seconds [1-9]/m;
      for (let i = 0; i < 200; i++) {
        if (refreshed.test((await app.inject({ method: 'GET', url: '/metrics' })).body)) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const before = queries();
      expect(before).toBeGreaterThan(0);
      const scrapes = await Promise.all(
        Array.from({ length: 50 }, () => app.inject({ method: 'GET', url: '/metrics' })),
      );
      expect(scrapes.every((r) => r.statusCode === 200)).toBe(true);
      expect(queries()).toBe(before);
      expect(runsWaiting(scrapes[0]?.body ?? '')).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });

  it('refreshes the gauges every refreshMs', async () => {
    const { app, queries } = await appCountingQueries({ refreshMs: 100 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const first = queries();
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(queries()).toBeGreaterThan(first);
    } finally {
      await app.close();
    }
  });

  describe('with a metrics token', () => {
    const token = 'scrape-token-0123456789';
    it('answers only a scraper that sends it', async () => {
      const { app } = await appCountingQueries({ token });
      try {
        const none = await app.inject({ method: 'GET', url: '/metrics' });
        expect(none.statusCode).toBe(401);
        expect(none.json().error.code).toBe('UNAUTHORIZED');
        const wrong = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer nope' } });
        expect(wrong.statusCode).toBe(401);
        const right = await app.inject({
          method: 'GET',
          url: '/metrics',
          headers: { authorization: `Bearer ${token}` },
        });
        expect(right.statusCode).toBe(200);
        expect(right.body).toMatch(/^distillery_api_process_cpu_seconds_total /m);
      } finally {
        await app.close();
      }
    });

    it('refuses a token shorter than 16 characters', async () => {
      await expect(
        buildApp({ db: api.store, queue: api.queue, redisProbe: api.redisProbe, metrics: { token: 'short' } }),
      ).rejects.toThrow('ApiOptions.metrics.token must be at least 16 characters');
    });
  });
});
