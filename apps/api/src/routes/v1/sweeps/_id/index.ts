import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ifNoneMatch } from '../../../../lib/if-none-match.ts';
import type { SweepDetailAnswer } from '../../../../lib/sweep-detail-cache.ts';
import { teamOf } from '../../../../plugins/auth.ts';
import { AUTHENTICATED_ERRORS } from '../../../../schemas/error-body.ts';
import { IdParams } from '../../../../schemas/id-params.ts';
import { SweepDetail } from '../../../../schemas/sweep-detail.ts';
import { readSweepAnswer } from '../../../../services/read-sweep-answer.ts';
import { API_KEY_SECURITY } from '../../security.ts';

/**
 * `GET /v1/sweeps/:id`: state, run counts per state, totals, timestamps. What dashboards and `sweep watch`
 * poll: the answer comes from `app.sweepDetails` (one statement per change of the sweep, not per request), is
 * sent as serialized then, and carries an ETag, so a poller holding it gets 304 without a body.
 */
const sweepById: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/:id',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'One sweep',
        description:
          'Answered from memory while nothing changed: a run transition, epoch or result of the sweep, or a write ' +
          'through this server, is on the next answer; progress within an epoch may be up to a second old. Send ' +
          'the ETag back as `If-None-Match` to get 304 while the answer is unchanged.',
        security: API_KEY_SECURITY,
        params: IdParams,
        response: { 200: SweepDetail, 304: z.null(), ...AUTHENTICATED_ERRORS },
      },
    },
    async (request, reply) => {
      const { teamId } = teamOf(request);
      const { id } = request.params;
      const answer = await app.sweepDetails.get(teamId, id, () => readSweepAnswer(app.db, teamId, id));
      return send(request.headers['if-none-match'], reply, answer);
    },
  );
};

/**
 * The answer as serialized already (a string with a JSON content type is sent as it is, not serialized again
 * against the schema, which it was written by), or 304 when the client holds it. The reply is Fastify's plain one:
 * the schema-typed reply only takes the schema's objects.
 */
function send(ifNoneMatchHeader: string | undefined, reply: FastifyReply, answer: SweepDetailAnswer): FastifyReply {
  // Private: the answer is the caller's team's; no-cache: a browser revalidates (ETag) before reusing it.
  reply.header('etag', answer.etag).header('cache-control', 'private, no-cache');
  if (ifNoneMatch(ifNoneMatchHeader, answer.etag)) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(answer.body);
}

export default sweepById;
