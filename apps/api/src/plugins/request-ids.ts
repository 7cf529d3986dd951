import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { REQUEST_ID_HEADER } from '../lib/request-id.ts';

/** Echoes the request id (lib/request-id.ts) in every answer, errors included, so users can quote it. */
const requestIds: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
};

export default fp(requestIds, { name: 'distillery-request-ids', fastify: '5.x' });
