import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { teamOf } from '../../../../plugins/auth.ts';
import { SweepCancelResult } from '../../../../schemas/cancel-result.ts';
import { AUTHENTICATED_ERRORS } from '../../../../schemas/error-body.ts';
import { IdParams } from '../../../../schemas/id-params.ts';
import { cancelSweep } from '../../../../services/cancel-sweep.ts';
import { API_KEY_SECURITY } from '../../security.ts';

/** `POST /v1/sweeps/:id/cancel`: stop a whole sweep. */
const cancelSweepRoute: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/:id/cancel',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'Cancel a sweep',
        description:
          'Every unfinished run of the sweep is cancelled: queued work is removed, running training stops within ' +
          'one batch, no result is written for them. A run that another sweep reuses or waits for (and what it ' +
          'waits for) keeps going for it. The unfinished runs this sweep reuses from earlier sweeps carry on there ' +
          'and count as cancelled here. Idempotent.',
        security: API_KEY_SECURITY,
        params: IdParams,
        response: { 200: SweepCancelResult, ...AUTHENTICATED_ERRORS },
      },
    },
    async (request) =>
      cancelSweep({ db: app.db, queue: app.queue, log: request.log }, teamOf(request).teamId, request.params.id),
  );
};

export default cancelSweepRoute;
