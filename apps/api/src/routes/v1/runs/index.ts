import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { teamOf } from '../../../plugins/auth.ts';
import { ErrorBody } from '../../../schemas/error-body.ts';
import { FindRunsQuery, RunReferenceList } from '../../../schemas/run-lookup.ts';
import { findRuns } from '../../../services/find-runs.ts';
import { API_KEY_SECURITY } from '../security.ts';

/** `GET /v1/runs?idPrefix=`: find the team's runs by the start of their id. */
const runs: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['runs'],
        summary: 'Find runs by the start of their id',
        description:
          "The team's runs whose id starts with `idPrefix`, newest first, and how many there are: a client " +
          'takes a run reference a person typed (`3f2a91`) to the one run it names, or lists the candidates.',
        security: API_KEY_SECURITY,
        querystring: FindRunsQuery,
        response: { 200: RunReferenceList, 400: ErrorBody, 401: ErrorBody, 500: ErrorBody },
      },
    },
    async (request) => findRuns(app.db, teamOf(request).teamId, request.query),
  );
};

export default runs;
