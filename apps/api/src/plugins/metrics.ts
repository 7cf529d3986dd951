import { RunQueue } from '@distillery/queue';
import { RUN_STATES } from '@distillery/spec';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import { trainingThroughput } from '../services/training-throughput.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** BullMQ job states reported as queue depth. */
const JOB_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

/**
 * Prometheus metrics at `GET /metrics` (no key: scrape it from inside the deployment's network):
 * - `distillery_http_request_duration_seconds{method,route,status_code}`: every answer's latency;
 * - `distillery_runs{state}`: runs by state, all teams, read from PostgreSQL at scrape time;
 * - `distillery_queue_jobs{state}`: the BullMQ queue's depth (when the queue is BullMQ);
 * - `distillery_training_samples_per_second`: samples trained per second over the last minute, all workers;
 * - the process's own (CPU, memory, event loop lag), prefixed `distillery_api_`.
 * A registry per app, so tests may build many apps in one process.
 */
const metrics: FastifyPluginAsync = async (app) => {
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

  new Gauge({
    name: 'distillery_runs',
    help: 'Runs by state, all teams (PostgreSQL, the source of truth).',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const rows = await app.db.run.groupBy({ by: ['state'], _count: { _all: true } });
      const counts = new Map(rows.map((r) => [r.state, r._count._all]));
      for (const state of RUN_STATES) this.set({ state }, counts.get(state) ?? 0);
    },
  });

  if (app.queue instanceof RunQueue) {
    const queue = app.queue.queue;
    new Gauge({
      name: 'distillery_queue_jobs',
      help: 'Jobs on the run queue (Redis) by state.',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        const counts = await queue.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
  }

  new Gauge({
    name: 'distillery_training_samples_per_second',
    help: 'Training samples per second over the last minute, all workers together (from the epochs recorded).',
    registers: [registry],
    async collect() {
      this.set(await trainingThroughput(app.db));
    },
  });

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics',
        description:
          'Runs by state, queue depth, training samples per second, HTTP latency by route, and process metrics, in ' +
          "Prometheus's text format.",
        response: {
          200: {
            description: 'Prometheus text exposition format 0.0.4.',
            content: { 'text/plain': { schema: z.string() } },
          },
        },
      },
    },
    async (_request, reply) => reply.type(METRICS_CONTENT_TYPE).send(await registry.metrics()),
  );
};

export default fp(metrics, {
  name: 'distillery-metrics',
  fastify: '5.x',
  dependencies: ['distillery-dependencies'],
});
