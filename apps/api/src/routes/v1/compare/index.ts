import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sendCsv } from '../../../lib/send-csv.ts';
import { teamOf } from '../../../plugins/auth.ts';
import { Comparison } from '../../../schemas/comparison.ts';
import { jsonOrCsvResponses } from '../../../schemas/json-or-csv-responses.ts';
import { CompareQuery } from '../../../schemas/result-filters.ts';
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
        summary: 'Compare two values of one dimension (e.g. LMA vs ReLU), paired on seed, with CI, p and verdict',
        description:
          'Pairs configurations whose configs are equal except for `dimension` (and the seed) and that share their ' +
          'teacher, and within them runs with the same seed. Each quantization (float, ptq 4-bit, …) is a stratum ' +
          'with its own paired t-test over one pair per (configuration, seed): the mean difference B − A, its 95% ' +
          'CI, the two-sided p-value, n and a verdict; a student and its quantized variants are never counted as ' +
          'more pairs. `dimension=bits` compares float (32) with quantized widths and `dimension=method` none with ' +
          'ptq or qat, pairing each student with its own variants. Takes the same filters as `/v1/results` (e.g. ' +
          '`bits=4`). The CSV has one line per seed pair with both run ids.',
        security: API_KEY_SECURITY,
        querystring: CompareQuery,
        response: jsonOrCsvResponses('The comparison (JSON), or its seed pairs as CSV.', Comparison),
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
