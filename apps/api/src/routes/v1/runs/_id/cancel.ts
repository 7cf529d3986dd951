import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { teamOf } from '../../../../plugins/auth.ts';
import { RunCancelResult } from '../../../../schemas/cancel-result.ts';
import { AUTHENTICATED_ERRORS } from '../../../../schemas/error-body.ts';
import { IdParams } from '../../../../schemas/id-params.ts';
import { cancelRun } from '../../../../services/cancel-run.ts';
import { API_KEY_SECURITY } from '../../security.ts';

/** `POST /v1/runs/:id/cancel`: stop a run and everything that depends on it. */
const cancelRunRoute: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/:id/cancel',
    {
      schema: {
        tags: ['runs'],
        summary: 'Cancel a run and its dependents',
        description:
          'A waiting or queued run never starts; a running one stops within one batch. Runs downstream of it (in ' +
          'any sweep) are cancelled with the reason recorded. No result is written for a cancelled run. ' +
          'Idempotent: a finished run is left as it is and `cancelledRunIds` is empty.',
        security: API_KEY_SECURITY,
        params: IdParams,
        response: { 200: RunCancelResult, ...AUTHENTICATED_ERRORS },
      },
    },
    async (request) =>
      cancelRun({ db: app.db, queue: app.queue, log: request.log }, teamOf(request).teamId, request.params.id),
  );
};

export default cancelRunRoute;
