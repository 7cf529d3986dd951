import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { teamOf } from '../../../../plugins/auth.ts';
import { ErrorBody } from '../../../../schemas/error-body.ts';
import { EVENT_STREAM_RESPONSE, EventStreamHeaders, EventStreamQuery } from '../../../../schemas/event-stream.ts';
import { IdParams } from '../../../../schemas/id-params.ts';
import { resumeAfter, runStreamTarget } from '../../../../services/event-stream-targets.ts';
import { API_KEY_SECURITY } from '../../security.ts';

/** `GET /v1/runs/:id/events`: a run's state changes and epochs as Server-Sent Events. */
const runEvents: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/:id/events',
    {
      schema: {
        tags: ['runs'],
        summary: "A run's live progress (SSE)",
        description:
          'Every state change and finished epoch of the run, from the beginning or after `Last-Event-ID`, then live ' +
          'until the run finishes. Reconnecting with `Last-Event-ID` misses nothing.',
        security: API_KEY_SECURITY,
        params: IdParams,
        headers: EventStreamHeaders,
        querystring: EventStreamQuery,
        response: { ...EVENT_STREAM_RESPONSE, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 500: ErrorBody },
      },
    },
    async (request, reply) => {
      const { teamId, apiKeyId } = teamOf(request);
      const target = await runStreamTarget(app.db, teamId, request.params.id);
      const after = resumeAfter(request.headers['last-event-id'], request.query.lastEventId);
      await app.eventStreams.serve(request, reply, { target, after, apiKeyId, teamId });
    },
  );
};

export default runEvents;
