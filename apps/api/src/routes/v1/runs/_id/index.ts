import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { teamOf } from '../../../../plugins/auth.ts';
import { AUTHENTICATED_ERRORS } from '../../../../schemas/error-body.ts';
import { IdParams } from '../../../../schemas/id-params.ts';
import { RunDetail } from '../../../../schemas/run-detail.ts';
import { getRun } from '../../../../services/get-run.ts';
import { API_KEY_SECURITY } from '../../security.ts';

/** `GET /v1/runs/:id`: everything about one run. */
const runById: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'One run: config, state, timings, learning curve, result',
        security: API_KEY_SECURITY,
        params: IdParams,
        response: { 200: RunDetail, ...AUTHENTICATED_ERRORS },
      },
    },
    async (request) => getRun(app.db, teamOf(request).teamId, request.params.id),
  );
};

export default runById;
