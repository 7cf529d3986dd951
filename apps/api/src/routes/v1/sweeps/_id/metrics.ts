import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { teamOf } from '../../../../plugins/auth.ts';
import { AUTHENTICATED_ERRORS, ErrorBody } from '../../../../schemas/error-body.ts';
import { IdParams } from '../../../../schemas/id-params.ts';
import { MetricsCsv, MetricsExport, MetricsQuery } from '../../../../schemas/metrics-export.ts';
import { metricsToCsv, sweepMetrics } from '../../../../services/export-metrics.ts';
import { API_KEY_SECURITY } from '../../security.ts';

/** `GET /v1/sweeps/:id/metrics`: the learning curves of a sweep's runs, one row per run and epoch; or CSV. */
const sweepMetricsRoute: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/:id/metrics',
    {
      schema: {
        tags: ['runs'],
        summary: "Per-epoch metrics of a sweep's runs (JSON or CSV)",
        security: API_KEY_SECURITY,
        params: IdParams,
        querystring: MetricsQuery,
        response: {
          200: {
            description: 'One row per run and finished epoch, or (`format=csv`) the rows as CSV.',
            content: { 'application/json': { schema: MetricsExport }, 'text/csv': { schema: MetricsCsv } },
          },
          400: ErrorBody,
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const metrics = await sweepMetrics(app.db, teamOf(request).teamId, id);
      if (request.query.format === 'json') return reply.type('application/json').send(metrics);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="sweep-${id}-metrics.csv"`)
        .send(metricsToCsv(metrics.rows));
    },
  );
};

export default sweepMetricsRoute;
