import type { FastifyPluginAsync, RouteOptions } from 'fastify';
import type { ApiKeyCacheOptions } from '../../lib/api-key-cache.ts';
import auth from '../../plugins/auth.ts';
import rateLimit, { type RateLimitOptions } from '../../plugins/rate-limit.ts';
import { ErrorBody } from '../../schemas/error-body.ts';
import compare from './compare/index.ts';
import frontier from './frontier/index.ts';
import keys from './keys/index.ts';
import me from './me/index.ts';
import results from './results/index.ts';
import runArtifact from './runs/_id/artifacts.ts';
import cancelRun from './runs/_id/cancel.ts';
import runEvents from './runs/_id/events.ts';
import runById from './runs/_id/index.ts';
import runMetrics from './runs/_id/metrics.ts';
import runs from './runs/index.ts';
import cancelSweep from './sweeps/_id/cancel.ts';
import sweepEvents from './sweeps/_id/events.ts';
import sweepById from './sweeps/_id/index.ts';
import sweepMetrics from './sweeps/_id/metrics.ts';
import sweepResults from './sweeps/_id/results.ts';
import sweepRuns from './sweeps/_id/runs.ts';
import sweeps, { type SweepsRouteOptions } from './sweeps/index.ts';

/**
 * Every `/v1` route may answer 401 (no valid key), 429 (rate limit) and 503 (the database is unavailable: the key
 * is looked up there), and one a key's role may forbid 403: the scope's hooks answer them, so the OpenAPI
 * document lists them on every route that does not already.
 */
function documentScopeErrors(route: RouteOptions): void {
  const response = route.schema?.response as Record<number, unknown> | undefined;
  if (response === undefined) return;
  response[401] ??= ErrorBody;
  response[429] ??= ErrorBody;
  response[503] ??= ErrorBody;
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (route.config?.role !== undefined || methods.some((m) => m !== 'GET' && m !== 'HEAD')) response[403] ??= ErrorBody;
}

export interface V1Options {
  /** Per-key request limits, checked before the key; `false`: none. */
  rateLimit: RateLimitOptions | false;
  /** How long the auth hook trusts a key it resolved (see ApiKeyCache). */
  apiKeyCache: ApiKeyCacheOptions;
  /** What a submitted sweep is checked against: the run limits and the team's queued-run quota. */
  sweeps: SweepsRouteOptions;
}

/**
 * `/v1`: everything behind an API key. Its hooks apply to this scope only, in this order: auth (which first
 * refuses an address over its limit of failed authentications), then the per-key rate limit.
 */
const v1: FastifyPluginAsync<V1Options> = async (app, options) => {
  const limited = options.rateLimit !== false;
  if (options.rateLimit !== false) await app.register(rateLimit, options.rateLimit);
  await app.register(auth, { failures: limited ? app.authFailures : undefined, cache: options.apiKeyCache });
  if (limited) app.addHook('onRequest', app.rateLimit());
  app.addHook('onRoute', documentScopeErrors);
  await app.register(sweeps, { prefix: '/sweeps', ...options.sweeps });
  await app.register(sweepById, { prefix: '/sweeps' });
  await app.register(sweepRuns, { prefix: '/sweeps' });
  await app.register(sweepResults, { prefix: '/sweeps' });
  await app.register(runs, { prefix: '/runs' });
  await app.register(runById, { prefix: '/runs' });
  await app.register(cancelRun, { prefix: '/runs' });
  await app.register(runEvents, { prefix: '/runs' });
  await app.register(runArtifact, { prefix: '/runs' });
  await app.register(runMetrics, { prefix: '/runs' });
  await app.register(sweepMetrics, { prefix: '/sweeps' });
  await app.register(cancelSweep, { prefix: '/sweeps' });
  await app.register(sweepEvents, { prefix: '/sweeps' });
  await app.register(results, { prefix: '/results' });
  await app.register(frontier, { prefix: '/frontier' });
  await app.register(compare, { prefix: '/compare' });
  await app.register(keys, { prefix: '/keys' });
  await app.register(me, { prefix: '/me' });
};

export default v1;
