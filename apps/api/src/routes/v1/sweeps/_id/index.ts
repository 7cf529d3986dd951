import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { teamOf } from '../../../../plugins/auth.ts';
import { AUTHENTICATED_ERRORS } from '../../../../schemas/error-body.ts';
import { IdParams } from '../../../../schemas/id-params.ts';
import { SweepDetail } from '../../../../schemas/sweep-detail.ts';
import { getSweep } from '../../../../services/get-sweep.ts';
import { API_KEY_SECURITY } from '../../security.ts';

/** `GET /v1/sweeps/:id`: state, run counts per state, totals, timestamps. */
const sweepById: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/:id',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'One sweep',
        security: API_KEY_SECURITY,
        params: IdParams,
        response: { 200: SweepDetail, ...AUTHENTICATED_ERRORS },
      },
    },
    async (request) => getSweep(app.db, teamOf(request).teamId, request.params.id),
  );
};

export default sweepById;
