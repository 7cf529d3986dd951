import { ConfigError } from './config-error.ts';

/** What `serve` gives the API as its per-key rate limit (apps/api RateLimitOptions), or false for none. */
export type ServeRateLimit = { max: number; timeWindowMs: number; maxFailedAuth: number; redisUrl?: string } | false;

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 1200;
export const DEFAULT_FAILED_AUTH_LIMIT_PER_MINUTE = 30;

/**
 * env DISTILLERY_RATE_LIMIT: requests per minute per API key on `/v1` (0 turns limits off);
 * DISTILLERY_FAILED_AUTH_LIMIT: failed authentications per minute per client address. With Redis (a server
 * deployment) the counts are shared by every API process; in the embedded mode they are the process's own.
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
  const rawFailed = env.DISTILLERY_FAILED_AUTH_LIMIT?.trim();
  const maxFailedAuth =
    rawFailed === undefined || rawFailed === '' ? DEFAULT_FAILED_AUTH_LIMIT_PER_MINUTE : Number(rawFailed);
  if (!Number.isSafeInteger(maxFailedAuth) || maxFailedAuth < 1 || maxFailedAuth > 1_000_000) {
    throw new ConfigError(
      `DISTILLERY_FAILED_AUTH_LIMIT must be an integer 1–1000000 (failed authentications per minute per address), got '${rawFailed}'`,
    );
  }
  return { max, timeWindowMs: 60_000, maxFailedAuth, ...(redisUrl ? { redisUrl } : {}) };
}
