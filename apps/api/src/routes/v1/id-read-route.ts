import type { Store } from '@distillery/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { teamOf } from '../../plugins/auth.ts';
import { AUTHENTICATED_ERRORS } from '../../schemas/error-body.ts';
import { type IdRouteDocs, idRouteSchema } from './id-route-schema.ts';

/** What tells one `GET /:id…` read of a run or sweep from another: its path, documentation and answer. */
export interface IdReadRoute extends IdRouteDocs {
  /** `/:id` or `/:id/<name>`. */
  path: `/:id${string}`;
  answer: z.ZodType;
  /** The team's answer for `id`; throws the 404 when the team has no such entity. */
  read(db: Store, teamId: string, id: string): Promise<unknown>;
}

/** A `GET /:id…` route answering one JSON document about the team's run or sweep. */
export function idReadRoute(route: IdReadRoute): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      route.path,
      { schema: { ...idRouteSchema(route), response: { 200: route.answer, ...AUTHENTICATED_ERRORS } } },
      async (request) => route.read(app.db, teamOf(request).teamId, request.params.id),
    );
  };
}
