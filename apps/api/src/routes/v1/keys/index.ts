import { listApiKeys } from '@distillery/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { teamOf } from '../../../plugins/auth.ts';
import { SWEEP_CONTENT_TYPES } from '../../../plugins/sweep-body-parsers.ts';
import { ApiKeyList, CreateApiKeyBody, CreatedApiKey } from '../../../schemas/api-key.ts';
import { ErrorBody } from '../../../schemas/error-body.ts';
import { IdParams } from '../../../schemas/id-params.ts';
import { createTeamApiKey } from '../../../services/create-team-api-key.ts';
import { revokeTeamApiKey } from '../../../services/revoke-team-api-key.ts';
import { toApiKeyInfo } from '../../../services/to-api-key-info.ts';
import { API_KEY_SECURITY } from '../security.ts';

const ADMIN_ERRORS = { 401: ErrorBody, 403: ErrorBody, 429: ErrorBody, 500: ErrorBody } as const;

/** `/v1/keys`: the team's API keys, managed by its admins. */
const keys: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['keys'],
        summary: "The team's API keys (admin)",
        description: 'Newest first, revoked and expired ones included. Secrets are never shown again.',
        security: API_KEY_SECURITY,
        response: { 200: ApiKeyList, ...ADMIN_ERRORS },
      },
    },
    async (request) => ({ items: (await listApiKeys(app.db, teamOf(request).teamId)).map((k) => toApiKeyInfo(k)) }),
  );

  app.post(
    '/',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['keys'],
        summary: 'Create an API key for a member (admin)',
        description: 'The answer holds the secret (`apiKey`): it is shown this once and stored only as a hash.',
        security: API_KEY_SECURITY,
        consumes: [...SWEEP_CONTENT_TYPES],
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, 400: ErrorBody, 415: ErrorBody, ...ADMIN_ERRORS },
      },
    },
    async (request, reply) => {
      const key = await createTeamApiKey(app.db, teamOf(request).teamId, request.body);
      return reply.code(201).send(key);
    },
  );

  app.delete(
    '/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['keys'],
        summary: 'Revoke an API key (admin)',
        description: 'The key stops authenticating at once. Idempotent.',
        security: API_KEY_SECURITY,
        params: IdParams,
        response: { 204: z.null().describe('Revoked.'), 404: ErrorBody, ...ADMIN_ERRORS },
      },
    },
    async (request, reply) => {
      await revokeTeamApiKey(app.db, teamOf(request).teamId, request.params.id);
      return reply.code(204).send(null);
    },
  );
};

export default keys;
