import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { teamOf } from '../../../../plugins/auth.ts';
import { AUTHENTICATED_ERRORS, ErrorBody } from '../../../../schemas/error-body.ts';
import { IdParams } from '../../../../schemas/id-params.ts';
import { SweepResultsQuery } from '../../../../schemas/sweep-queries.ts';
import { ResultsCsv, SweepResults } from '../../../../schemas/sweep-results.ts';
import { getSweepResults } from '../../../../services/get-sweep-results.ts';
import { resultsToCsv } from '../../../../services/results-to-csv.ts';
import { API_KEY_SECURITY } from '../../security.ts';

/** `GET /v1/sweeps/:id/results`: one row per run with a result, and the replicates aggregated; or CSV. */
const sweepResults: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/:id/results',
    {
      schema: {
        tags: ['results'],
        summary: "A sweep's results",
        security: API_KEY_SECURITY,
        params: IdParams,
        querystring: SweepResultsQuery,
        response: {
          200: {
            description: 'JSON rows and groups, or (`format=csv`) the rows as CSV.',
            content: { 'application/json': { schema: SweepResults }, 'text/csv': { schema: ResultsCsv } },
          },
          400: ErrorBody,
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const results = await getSweepResults(app.db, teamOf(request).teamId, id);
      if (request.query.format === 'json') return reply.type('application/json').send(results);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="sweep-${id}-results.csv"`)
        .send(resultsToCsv(results.rows));
    },
  );
};

export default sweepResults;
