import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sendCsv } from '../../../lib/send-csv.ts';
import { teamOf } from '../../../plugins/auth.ts';
import { Frontier } from '../../../schemas/frontier.ts';
import { jsonOrCsvResponses } from '../../../schemas/json-or-csv-responses.ts';
import { FrontierQuery } from '../../../schemas/result-filters.ts';
import { getFrontier } from '../../../services/get-frontier.ts';
import { frontierToCsv } from '../../../services/team-results-to-csv.ts';
import { API_KEY_SECURITY } from '../security.ts';

/** `GET /v1/frontier`: the accuracy-versus-bytes Pareto frontier of the team's configurations, per data set. */
const frontier: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['results'],
        summary: 'The accuracy-vs-bytes Pareto frontier per data set',
        description:
          "Computed on configurations' mean accuracy and mean bytes (seeds are replicates). A configuration is on " +
          'the frontier when every configuration at most as large is strictly less accurate. Each point lists the ' +
          'runs behind it. Takes the same filters as `/v1/results`.',
        security: API_KEY_SECURITY,
        querystring: FrontierQuery,
        response: jsonOrCsvResponses('The frontier (JSON), or its points as CSV.', Frontier),
      },
    },
    async (request, reply) => {
      const result = await getFrontier(app.db, teamOf(request).teamId, request.query);
      if (request.query.format === 'json') return reply.type('application/json').send(result);
      return sendCsv(reply, 'frontier.csv', frontierToCsv(result));
    },
  );
};

export default frontier;
