import { checkDatabase, DatabaseUnreachableError, migrateDatabase, openStore, type Store } from '@distillery/db';
import { RedisProbe } from '@distillery/queue';
import type { DistilleryConfig } from './config.ts';
import { ConfigError } from './config-error.ts';
import { resolveDatabasePoolOptions } from './database-pool-config.ts';

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** Connects to PostgreSQL (checking it answers), or says clearly which URL failed and why. */
export async function connectDatabase(config: DistilleryConfig): Promise<Store> {
  try {
    await checkDatabase(config.databaseUrl);
  } catch (e) {
    const hint =
      e instanceof DatabaseUnreachableError && e.reason === 'database-missing' ? ' (run `distillery migrate`)' : '';
    throw new ConfigError(`${(e as Error).message}${hint}; check DATABASE_URL`, { cause: e });
  }
  return openStore({ url: config.databaseUrl, pool: resolveDatabasePoolOptions(process.env) });
}

/** Checks Redis answers, or says clearly which URL failed. */
export async function checkRedis(config: DistilleryConfig): Promise<void> {
  const probe = new RedisProbe(config.redisUrl);
  try {
    await probe.ping(3000);
  } catch (e) {
    throw new ConfigError(`cannot reach Redis at ${redact(config.redisUrl)} (REDIS_URL): ${(e as Error).message}`, {
      cause: e,
    });
  } finally {
    await probe.close();
  }
}

export async function migrate(config: DistilleryConfig): Promise<string[]> {
  try {
    const result = await migrateDatabase(config.databaseUrl);
    return result.applied;
  } catch (e) {
    throw new ConfigError((e as Error).message, { cause: e });
  }
}
