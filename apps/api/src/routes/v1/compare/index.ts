import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sendCsv } from '../../../lib/send-csv.ts';
import { teamOf } from '../../../plugins/auth.ts';
import { Comparison } from '../../../schemas/comparison.ts';
import { ErrorBody } from '../../../schemas/error-body.ts';
import { CompareQuery } from '../../../schemas/result-filters.ts';
import { CsvText } from '../../../schemas/team-results.ts';
import { compareResults } from '../../../services/compare-results.ts';
import { comparisonToCsv } from '../../../services/team-results-to-csv.ts';
import { API_KEY_SECURITY } from '../security.ts';

/** `GET /v1/compare`: B against A along one dimension, at otherwise equal configuration. */
const compare: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['results'],
        summary: 'Compare two values of one dimension (e.g. LMA vs ReLU) at otherwise equal configuration',
        description:
          'Pairs configurations whose configs are equal except for `dimension` (and the seed) and that share their ' +
          "teacher; each pair gives B's mean accuracy minus A's, and the summary is the mean and spread of those " +
          'paired differences. Takes the same filters as `/v1/results` (e.g. `bits=4`).',
        security: API_KEY_SECURITY,
        querystring: CompareQuery,
        response: {
          200: {
            description: 'The comparison (JSON), or its pairs as CSV.',
            content: { 'application/json': { schema: Comparison }, 'text/csv': { schema: CsvText } },
          },
          400: ErrorBody,
          401: ErrorBody,
          404: ErrorBody,
          429: ErrorBody,
          500: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const result = await compareResults(app.db, teamOf(request).teamId, request.query);
      if (request.query.format === 'json') return reply.type('application/json').send(result);
      return sendCsv(reply, `compare-${request.query.dimension}.csv`, comparisonToCsv(result));
    },
  );
};

export default compare;
