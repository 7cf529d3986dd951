import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { teamOf } from '../../../plugins/auth.ts';
import { Identity } from '../../../schemas/api-key.ts';
import { ErrorBody } from '../../../schemas/error-body.ts';
import { API_KEY_SECURITY } from '../security.ts';

/** `GET /v1/me`: who the key speaks for (the CLI's `login` and the dashboard check a key with it). */
const me: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['keys'],
        summary: "The caller's team and key",
        security: API_KEY_SECURITY,
        response: { 200: Identity, 401: ErrorBody, 429: ErrorBody, 500: ErrorBody },
      },
    },
    async (request) => {
      const t = teamOf(request);
      return { teamId: t.teamId, teamName: t.teamName, key: { id: t.apiKeyId, name: t.keyName, role: t.role } };
    },
  );
};

export default me;
