import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { teamOf } from '../../../../plugins/auth.ts';
import { AUTHENTICATED_ERRORS } from '../../../../schemas/error-body.ts';
import { IdParams } from '../../../../schemas/id-params.ts';
import { RunList } from '../../../../schemas/run-summary.ts';
import { listSweepRuns } from '../../../../services/list-sweep-runs.ts';
import { API_KEY_SECURITY } from '../../security.ts';

/** `GET /v1/sweeps/:id/runs`: the sweep's runs, parents first. */
const sweepRuns: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/:id/runs',
    {
      schema: {
        tags: ['runs'],
        summary: "A sweep's runs",
        security: API_KEY_SECURITY,
        params: IdParams,
        response: { 200: RunList, ...AUTHENTICATED_ERRORS },
      },
    },
    async (request) => listSweepRuns(app.db, teamOf(request).teamId, request.params.id),
  );
};

export default sweepRuns;
