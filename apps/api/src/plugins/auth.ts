import { findTeamByApiKey } from '@distillery/db';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { UnauthorizedError } from '../errors/http-errors.ts';

/** Who is calling: the team the API key belongs to. Every query is scoped by `teamId`. */
export interface AuthenticatedTeam {
  teamId: string;
  teamName: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The caller's team. Set by the auth hook before any handler of an authenticated scope (`/v1`) runs;
     * null outside those scopes.
     */
    team: AuthenticatedTeam | null;
  }
}

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/**
 * `Authorization: Bearer <key>` → the key's team, on every route of the scope that registers this plugin.
 * Missing, unknown or revoked keys answer 401 with `WWW-Authenticate: Bearer`.
 */
const auth: FastifyPluginAsync = async (app) => {
  app.decorateRequest('team', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (header === undefined || header === '') throw new UnauthorizedError('missing');
    const key = BEARER.exec(header)?.[1];
    if (key === undefined) throw new UnauthorizedError('missing');
    const team = await findTeamByApiKey(app.db, key);
    if (team === null) throw new UnauthorizedError('invalid');
    request.team = team;
  });
};

export default fp(auth, { name: 'distillery-auth', fastify: '5.x', dependencies: ['distillery-dependencies'] });

/** The caller's team inside an authenticated scope (a programming error elsewhere). */
export function teamOf(request: { team: AuthenticatedTeam | null }): AuthenticatedTeam {
  if (request.team === null) throw new Error('no team on the request: the route is outside the authenticated scope');
  return request.team;
}
