import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Liveness } from '../../schemas/health.ts';

/** `GET /healthz`: the process is alive (no dependency is touched: a liveness probe must not cascade). */
const healthz: FastifyPluginAsyncZod = async (app) => {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness', response: { 200: Liveness } } }, async () => ({
    status: 'ok' as const,
  }));
};

export default healthz;
