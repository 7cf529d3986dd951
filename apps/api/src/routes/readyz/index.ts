import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Readiness } from '../../schemas/health.ts';
import { checkReadiness } from '../../services/check-readiness.ts';

/** `GET /readyz`: 200 when PostgreSQL and Redis answer, 503 naming the one that did not. */
const readyz: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'Readiness', response: { 200: Readiness, 503: Readiness } } },
    async (request, reply) => {
      const readiness = await checkReadiness({ db: app.db, redisProbe: app.redisProbe, log: request.log });
      return reply.code(readiness.status === 'ready' ? 200 : 503).send(readiness);
    },
  );
};

export default readyz;
