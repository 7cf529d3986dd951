import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { teamOf } from '../../plugins/auth.ts';
import { AUTHENTICATED_ERRORS } from '../../schemas/error-body.ts';
import { type CancelTarget, cancelOnRequest } from '../../services/cancel-on-request.ts';
import { type IdRouteDocs, idRouteSchema } from './id-route-schema.ts';

/** What tells one `POST /:id/cancel` route from another: what it cancels, its documentation and its answer. */
export interface CancelRoute extends IdRouteDocs {
  target: CancelTarget;
  result: z.ZodType;
}

/** A `POST /:id/cancel` route: cancels the team's run or sweep (cancelOnRequest) and answers its state after. */
export function cancelRoute(route: CancelRoute): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/:id/cancel',
      {
        schema: { ...idRouteSchema(route), response: { 200: route.result, ...AUTHENTICATED_ERRORS } },
      },
      async (request) =>
        cancelOnRequest(
          { db: app.db, queue: app.queue, log: request.log },
          teamOf(request).teamId,
          route.target,
          request.params.id,
        ),
    );
  };
}
