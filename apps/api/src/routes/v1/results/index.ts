import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sendCsv } from '../../../lib/send-csv.ts';
import { teamOf } from '../../../plugins/auth.ts';
import { jsonOrCsvResponses } from '../../../schemas/json-or-csv-responses.ts';
import { ResultsQuery } from '../../../schemas/result-filters.ts';
import { ConfigurationResultList, TeamResultRowList } from '../../../schemas/team-results.ts';
import { listTeamResultRuns } from '../../../services/list-team-result-runs.ts';
import { listTeamResults } from '../../../services/list-team-results.ts';
import { streamTeamResultRunsCsv } from '../../../services/stream-team-result-runs-csv.ts';
import { configurationsToCsv } from '../../../services/team-results-to-csv.ts';
import { API_KEY_SECURITY } from '../security.ts';

/** `/v1/results`: every result of the team, across all its sweeps. */
const results: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['results'],
        summary: "The team's configurations: replicates aggregated to mean ± std",
        description:
          'All succeeded runs of the team with a result, filtered, grouped into configurations (runs that differ ' +
          'only by seed and share their teacher), sorted and paged. `format=csv` exports every match.',
        security: API_KEY_SECURITY,
        querystring: ResultsQuery,
        response: jsonOrCsvResponses(
          'A page of configurations (JSON), or all of them as CSV.',
          ConfigurationResultList,
        ),
      },
    },
    async (request, reply) => {
      const page = await listTeamResults(app.db, teamOf(request).teamId, request.query);
      if (request.query.format === 'json') return reply.type('application/json').send(page);
      return sendCsv(reply, 'results.csv', configurationsToCsv(page.items));
    },
  );

  app.get(
    '/runs',
    {
      schema: {
        tags: ['results'],
        summary: "The team's results, one row per run",
        description: 'The same filters and order as `/v1/results`, without grouping replicates.',
        security: API_KEY_SECURITY,
        querystring: ResultsQuery,
        response: jsonOrCsvResponses('A page of rows (JSON), or all of them as CSV.', TeamResultRowList),
      },
    },
    async (request, reply) => {
      const teamId = teamOf(request).teamId;
      if (request.query.format === 'csv') {
        return sendCsv(reply, 'result-runs.csv', await streamTeamResultRunsCsv(app.db, teamId, request.query));
      }
      return reply.type('application/json').send(await listTeamResultRuns(app.db, teamId, request.query));
    },
  );
};

export default results;
