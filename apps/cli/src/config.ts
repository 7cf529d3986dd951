import { resolveDatabaseUrl } from '@distillery/db';
import { DEFAULT_QUEUE_PREFIX } from '@distillery/queue';
import { ConfigError } from './config-error.ts';

export interface DistilleryConfig {
  /** env DATABASE_URL. @defaultValue postgresql://postgres@127.0.0.1:5432/distillery */
  databaseUrl: string;
  /** env REDIS_URL. @defaultValue redis://127.0.0.1:6379 */
  redisUrl: string;
  /** env DISTILLERY_QUEUE_PREFIX: separates deployments sharing one Redis. @defaultValue distillery */
  queuePrefix: string;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Reads and validates the configuration once, at start, with messages naming the variable and the rule. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): DistilleryConfig {
  const redisUrl = env.REDIS_URL || DEFAULT_REDIS_URL;
  let parsed: URL;
  try {
    parsed = new URL(redisUrl);
  } catch {
    throw new ConfigError(`REDIS_URL is not a URL: '${redisUrl}' (expected e.g. ${DEFAULT_REDIS_URL})`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got '${parsed.protocol}//'`);
  }
  const queuePrefix = env.DISTILLERY_QUEUE_PREFIX || DEFAULT_QUEUE_PREFIX;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(queuePrefix)) {
    throw new ConfigError('DISTILLERY_QUEUE_PREFIX must be 1–64 letters, digits, - or _');
  }
  try {
    return { databaseUrl: resolveDatabaseUrl(env), redisUrl, queuePrefix };
  } catch (e) {
    throw new ConfigError((e as Error).message, { cause: e });
  }
}

/** A port from `--port`, else env PORT, else the default; 0 picks a free port. */
export function resolvePort(flag: string | undefined, env: NodeJS.ProcessEnv, fallback: number): number {
  const raw = flag ?? env.PORT;
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError(`${flag !== undefined ? '--port' : 'PORT'} must be an integer 0–65535, got '${raw}'`);
  }
  return port;
}
