import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { teamOf } from '../../../../plugins/auth.ts';
import { AUTHENTICATED_ERRORS, ErrorBody } from '../../../../schemas/error-body.ts';
import { IdParams } from '../../../../schemas/id-params.ts';
import { MetricsCsv, MetricsExport, MetricsQuery } from '../../../../schemas/metrics-export.ts';
import { metricsToCsv, runMetrics } from '../../../../services/export-metrics.ts';
import { API_KEY_SECURITY } from '../../security.ts';

/** `GET /v1/runs/:id/metrics`: a run's learning curve, one row per epoch; or CSV. */
const runMetricsRoute: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/:id/metrics',
    {
      schema: {
        tags: ['runs'],
        summary: "A run's per-epoch metrics (JSON or CSV)",
        security: API_KEY_SECURITY,
        params: IdParams,
        querystring: MetricsQuery,
        response: {
          200: {
            description: 'One row per finished epoch, or (`format=csv`) the rows as CSV.',
            content: { 'application/json': { schema: MetricsExport }, 'text/csv': { schema: MetricsCsv } },
          },
          400: ErrorBody,
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const metrics = await runMetrics(app.db, teamOf(request).teamId, id);
      if (request.query.format === 'json') return reply.type('application/json').send(metrics);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="run-${id}-metrics.csv"`)
        .send(metricsToCsv(metrics.rows));
    },
  );
};

export default runMetricsRoute;
