import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../errors/http-errors.ts';
import { ErrorBody } from '../../schemas/error-body.ts';
import { type DashboardAsset, loadDashboardAssets } from '../../services/load-dashboard-assets.ts';

const Html = z.string().describe('The dashboard page.');
const Asset = z.string().describe('A dashboard script or style sheet.');

/**
 * The dashboard at `/`: a static page with ES modules under `/dashboard/` that talks to `/v1` with the API key
 * the user enters (kept in the browser). No key is needed to load the page itself.
 */
const dashboard: FastifyPluginAsyncZod = async (app) => {
  const assets = loadDashboardAssets();
  const send = (
    request: { headers: { 'if-none-match'?: string | undefined } },
    reply: import('fastify').FastifyReply,
    file: DashboardAsset,
  ) => {
    reply.header('etag', file.etag).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.type(file.contentType).send(file.body);
  };

  app.get(
    '/',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'The dashboard (HTML)',
        description: 'Sweeps, runs with live progress, accuracy against size with the Pareto frontier, comparisons.',
        response: { 200: { description: 'The page.', content: { 'text/html': { schema: Html } } }, 304: z.null() },
      },
    },
    async (request, reply) => send(request, reply, assets.get('index.html') as DashboardAsset),
  );

  app.get(
    '/dashboard/*',
    {
      schema: {
        tags: ['dashboard'],
        summary: "The dashboard's scripts and styles (Chart.js included)",
        params: z.object({ '*': z.string().max(200).describe('The file under /dashboard/, e.g. `app.js`.') }),
        response: {
          200: {
            description: 'The file.',
            content: { 'text/javascript': { schema: Asset }, 'text/css': { schema: Asset } },
          },
          304: z.null(),
          404: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const file = assets.get(request.params['*']);
      if (file === undefined) throw new NotFoundError('file', request.params['*']);
      return send(request, reply, file);
    },
  );
};

export default dashboard;
