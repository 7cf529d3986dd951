import { ConfigError } from './config-error.ts';

/** What `serve` gives the API as its per-key rate limit (apps/api RateLimitOptions), or false for none. */
export type ServeRateLimit = { max: number; timeWindowMs: number; redisUrl?: string } | false;

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 1200;

/**
 * env DISTILLERY_RATE_LIMIT: requests per minute per API key on `/v1` (0 turns limits off). With Redis (a server
 * deployment) the count is shared by every API process; in the embedded mode it is the process's own.
 */
export function resolveRateLimit(env: NodeJS.ProcessEnv, redisUrl: string | undefined): ServeRateLimit {
  const raw = env.DISTILLERY_RATE_LIMIT?.trim();
  const max = raw === undefined || raw === '' ? DEFAULT_RATE_LIMIT_PER_MINUTE : Number(raw);
  if (!Number.isSafeInteger(max) || max < 0 || max > 1_000_000) {
    throw new ConfigError(
      `DISTILLERY_RATE_LIMIT must be an integer 0–1000000 (requests per minute per key), got '${raw}'`,
    );
  }
  if (max === 0) return false;
  return { max, timeWindowMs: 60_000, ...(redisUrl ? { redisUrl } : {}) };
}
