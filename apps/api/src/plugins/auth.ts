import { type ApiKeyRole, apiKeyChangeCount, resolveApiKey, roleAllows } from '@distillery/db';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ForbiddenError, RateLimitedError, UnauthorizedError } from '../errors/http-errors.ts';
import { ApiKeyCache, type ApiKeyCacheOptions } from '../lib/api-key-cache.ts';
import type { AuthFailureLimiter } from '../lib/auth-failure-limiter.ts';
import { describeWindow } from '../lib/describe-window.ts';

/** Who is calling: the team the API key belongs to, and what the key may do. Every query is scoped by `teamId`. */
export interface AuthenticatedTeam {
  teamId: string;
  teamName: string;
  apiKeyId: string;
  /** The key's name (who holds it); may be empty. */
  keyName: string;
  role: ApiKeyRole;
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The caller's team. Set by the auth hook before any handler of an authenticated scope (`/v1`) runs;
     * null outside those scopes.
     */
    team: AuthenticatedTeam | null;
  }
  interface FastifyContextConfig {
    /**
     * The least role a key needs for the route. @defaultValue 'viewer' for GET and HEAD (reads), 'member' for
     * every other method (submit, cancel).
     */
    role?: ApiKeyRole;
  }
}

/** The scheme in any case, then whitespace of any length (spaces, tabs), then the key. */
const BEARER = /^\s*Bearer\s+(\S+)\s*$/i;

export interface AuthOptions {
  /** Counts failed authentications per client address; without it they are not limited. */
  failures?: AuthFailureLimiter | undefined;
  /** How long a resolved key is trusted without the database. @defaultValue DEFAULT_API_KEY_CACHE */
  cache?: ApiKeyCacheOptions | undefined;
}

/** The role a route needs: declared in its config, else by method (reads: viewer; writes: member). */
export function requiredRole(request: FastifyRequest): ApiKeyRole {
  const declared = request.routeOptions.config?.role;
  if (declared !== undefined) return declared;
  return request.method === 'GET' || request.method === 'HEAD' ? 'viewer' : 'member';
}

/**
 * `Authorization: Bearer <key>` → the key's team and role, on every route of the scope that registers this plugin.
 * Missing, unknown, revoked or expired keys answer 401 with `WWW-Authenticate: Bearer`; a key whose role is too
 * low for the route answers 403. A valid key is remembered for a few seconds (ApiKeyCache), so most requests
 * make no database round trip to authenticate; a key revoked or changed by this process stops working at once,
 * one revoked by another process within the cache's TTL. Both happen before
 * the body is parsed. An address over its limit of failed authentications answers 429 before its key is looked
 * up (unless the key was valid a moment ago), so guessing keys costs no database work.
 */
const auth: FastifyPluginAsync<AuthOptions> = async (app, options) => {
  const failures = options.failures;
  const cache = new ApiKeyCache(() => apiKeyChangeCount(app.db), options.cache);
  app.decorateRequest('team', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const key = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (failures && (key === undefined || !failures.recentlyValid(key))) {
      const retryAfter = await failures.blockedFor(request.ip);
      if (retryAfter > 0) {
        const { max, windowMs } = failures.options;
        throw new RateLimitedError(
          `limit of ${max} failed authentications per ${describeWindow(windowMs)} from this address`,
          retryAfter,
        );
      }
    }
    const identity = key === undefined ? null : await cache.resolve(key, () => resolveApiKey(app.db, key));
    if (identity === null) {
      await failures?.record(request.ip, key);
      throw new UnauthorizedError(key === undefined ? 'missing' : 'invalid');
    }
    if (key !== undefined) failures?.rememberValid(key);
    // A copy: the cached identity is shared by every request of the key.
    request.team = { ...identity };
    const required = requiredRole(request);
    if (!roleAllows(identity.role, required)) {
      const path = request.routeOptions.url ?? request.url.split('?')[0];
      throw new ForbiddenError(identity.role, required, `${request.method} ${path}`);
    }
  });
};

export default fp(auth, { name: 'distillery-auth', fastify: '5.x', dependencies: ['distillery-dependencies'] });

/** The caller's team inside an authenticated scope (a programming error elsewhere). */
export function teamOf(request: { team: AuthenticatedTeam | null }): AuthenticatedTeam {
  if (request.team === null) throw new Error('no team on the request: the route is outside the authenticated scope');
  return request.team;
}
