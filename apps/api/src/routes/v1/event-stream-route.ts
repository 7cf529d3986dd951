import type { Store } from '@distillery/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { EventStreamTarget } from '../../lib/event-stream-hub.ts';
import { teamOf } from '../../plugins/auth.ts';
import { ErrorBody } from '../../schemas/error-body.ts';
import { EVENT_STREAM_RESPONSE, EventStreamHeaders, EventStreamQuery } from '../../schemas/event-stream.ts';
import { resumeAfter } from '../../services/event-stream-targets.ts';
import { type IdRouteDocs, idRouteSchema } from './id-route-schema.ts';

/** What tells one `GET /:id/events` route from another: its documentation and whose events it streams. */
export interface EventStreamRoute extends IdRouteDocs {
  /** The stream for the entity `id` of `teamId`; throws the 404 when the team has no such entity. */
  target(db: Store, teamId: string, id: string): Promise<EventStreamTarget>;
}

/**
 * A `GET /:id/events` route: the entity's events as Server-Sent Events, from the beginning or after
 * `Last-Event-ID` (header or query), then live until it finishes.
 */
export function eventStreamRoute(route: EventStreamRoute): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/:id/events',
      {
        schema: {
          ...idRouteSchema(route),
          headers: EventStreamHeaders,
          querystring: EventStreamQuery,
          response: { ...EVENT_STREAM_RESPONSE, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 500: ErrorBody },
        },
      },
      async (request, reply) => {
        const { teamId, apiKeyId } = teamOf(request);
        const target = await route.target(app.db, teamId, request.params.id);
        const after = resumeAfter(request.headers['last-event-id'], request.query.lastEventId);
        await app.eventStreams.serve(request, reply, { target, after, apiKeyId, teamId });
      },
    );
  };
}
