import { timingSafeEqual } from 'node:crypto';
import { countRunsByState } from '@distillery/db';
import { RunQueue } from '@distillery/queue';
import { RUN_STATES } from '@distillery/spec';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import { UnauthorizedError } from '../errors/http-errors.ts';
import { ErrorBody } from '../schemas/error-body.ts';
import { trainingThroughput } from '../services/training-throughput.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** BullMQ job states reported as queue depth. */
const JOB_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

export interface MetricsOptions {
  /**
   * How often the gauges read PostgreSQL and Redis, in the background, in ms; a scrape reads only memory, so
   * scrapes cost the database nothing and answer during an outage (with the last values read).
   * @defaultValue 15000
   */
  refreshMs?: number | undefined;
  /**
   * When set, `/metrics` answers only `Authorization: Bearer <token>` (others get 401). At least 16 characters.
   * @defaultValue none: open (keep it on the internal network)
   */
  token?: string | undefined;
}

export const METRICS_DEFAULTS = { refreshMs: 15_000 } as const;

/**
 * Prometheus metrics at `GET /metrics`:
 * - `distillery_http_request_duration_seconds{method,route,status_code}`: every answer's latency;
 * - `distillery_runs{state}`: runs by state, all teams, read from PostgreSQL;
 * - `distillery_queue_jobs{state}`: the BullMQ queue's depth (when the queue is BullMQ);
 * - `distillery_training_samples_per_second`: samples trained per second over the last minute, all workers;
 * - `distillery_metrics_refreshed_timestamp_seconds`, `distillery_metrics_refresh_failures_total`: when the
 *   gauges above were last read, and how often reading them failed;
 * - `distillery_event_streams`: event streams this process holds open (from memory);
 * - the process's own (CPU, memory, event loop lag), prefixed `distillery_api_`.
 * The database and queue gauges are refreshed every `refreshMs` in the background, never per scrape: an
 * unauthenticated scraper cannot make the API query PostgreSQL, and scrapes answer during an outage. A registry
 * per app, so tests may build many apps in one process.
 */
const metrics: FastifyPluginAsync<MetricsOptions> = async (app, options) => {
  const refreshMs = options.refreshMs ?? METRICS_DEFAULTS.refreshMs;
  if (!Number.isSafeInteger(refreshMs) || refreshMs < 10) {
    throw new RangeError(`ApiOptions.metrics.refreshMs must be an integer ≥ 10 ms, got ${refreshMs}`);
  }
  if (options.token !== undefined && options.token.length < 16) {
    throw new RangeError('ApiOptions.metrics.token must be at least 16 characters');
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'distillery_api_' });

  const duration = new Histogram({
    name: 'distillery_http_request_duration_seconds',
    help: 'HTTP request latency from arrival to the last byte of the answer, by route pattern.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  const runs = new Gauge({
    name: 'distillery_runs',
    help: 'Runs by state, all teams (PostgreSQL, the source of truth), as of the last refresh.',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const throughput = new Gauge({
    name: 'distillery_training_samples_per_second',
    help: 'Training samples per second over the last minute, all workers together (from the epochs recorded).',
    registers: [registry],
  });
  const refreshed = new Gauge({
    name: 'distillery_metrics_refreshed_timestamp_seconds',
    help: 'When the database and queue gauges were last read successfully (Unix time).',
    registers: [registry],
  });
  const failures = new Counter({
    name: 'distillery_metrics_refresh_failures_total',
    help: 'Background reads of the database and queue gauges that failed (the gauges keep their last values).',
    registers: [registry],
  });
  new Gauge({
    name: 'distillery_event_streams',
    help: 'Server-Sent Event streams this API process holds open (capped per key, per team and in total).',
    registers: [registry],
    collect() {
      // Memory only; the streams plugin registers after this one, so it is looked up at scrape time.
      this.set(app.hasDecorator('eventStreams') ? app.eventStreams.size : 0);
    },
  });
  const queue = app.queue instanceof RunQueue ? app.queue.queue : undefined;
  const jobs = queue
    ? new Gauge({
        name: 'distillery_queue_jobs',
        help: 'Jobs on the run queue (Redis) by state, as of the last refresh.',
        labelNames: ['state'] as const,
        registers: [registry],
      })
    : undefined;

  const refresh = async () => {
    const [byState, samples, counts] = await Promise.all([
      countRunsByState(app.db),
      trainingThroughput(app.db),
      queue?.getJobCounts(...JOB_STATES),
    ]);
    const perState = byState;
    for (const state of RUN_STATES) runs.set({ state }, perState.get(state) ?? 0);
    throughput.set(samples);
    if (jobs && counts) for (const state of JOB_STATES) jobs.set({ state }, counts[state] ?? 0);
    refreshed.set(Date.now() / 1000);
  };
  // One refresh at a time: the next starts refreshMs after the last one ended.
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let stopped = false;
  const loop = () => {
    inFlight = refresh()
      .catch((err: unknown) => {
        failures.inc();
        app.log.warn({ err }, 'metrics refresh failed; serving the last values');
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, refreshMs).unref();
      });
  };
  app.addHook('onReady', async () => loop());
  app.addHook('onClose', async () => {
    stopped = true;
    clearTimeout(timer);
    await inFlight;
  });

  const expected = options.token === undefined ? undefined : Buffer.from(`Bearer ${options.token}`);
  const authorized = (header: string | undefined): boolean => {
    if (expected === undefined) return true;
    const given = Buffer.from(header ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics',
        description:
          'Runs by state, queue depth, training samples per second, HTTP latency by route, and process metrics, in ' +
          "Prometheus's text format. The database and queue gauges are read in the background, not per scrape. " +
          'When the server has a metrics token (`DISTILLERY_METRICS_TOKEN`), send it as `Authorization: Bearer <token>`.',
        response: {
          200: {
            description: 'Prometheus text exposition format 0.0.4.',
            content: { 'text/plain': { schema: z.string() } },
          },
          401: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      if (!authorized(request.headers.authorization)) throw new UnauthorizedError('metrics');
      return reply.type(METRICS_CONTENT_TYPE).send(await registry.metrics());
    },
  );
};

export default fp(metrics, {
  name: 'distillery-metrics',
  fastify: '5.x',
  dependencies: ['distillery-dependencies'],
});
