import { createDatabaseClient, migrateDatabase, type PrismaClient } from '@distillery/db';
import { RedisProbe } from '@distillery/queue';
import type { DistilleryConfig } from './config.ts';
import { ConfigError } from './config-error.ts';

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** Connects to PostgreSQL (checking it answers), or says clearly which URL failed and why. */
export async function connectDatabase(config: DistilleryConfig): Promise<PrismaClient> {
  const db = createDatabaseClient(config.databaseUrl);
  try {
    await db.$queryRaw`SELECT 1`;
    return db;
  } catch (e) {
    await db.$disconnect().catch(() => {});
    const why = (e as Error).message.split('\n').filter(Boolean).at(-1) ?? 'no answer';
    throw new ConfigError(
      `cannot reach PostgreSQL at ${redact(config.databaseUrl)} (DATABASE_URL): ${why}. ` +
        'Is the server running, and has `distillery migrate` created the database?',
      { cause: e },
    );
  }
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
