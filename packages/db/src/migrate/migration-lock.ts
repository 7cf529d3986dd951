import type { PostgresConnection } from '../connection/postgres-connection.ts';
import { MigrationLockTimeoutError } from './migration-errors.ts';

/**
 * The advisory lock key. It is Prisma Migrate's own (prisma-engines, sql-schema-connector/src/flavour/postgres.rs:
 * `pg_advisory_lock(72707369)`), so this migrator and `prisma migrate deploy` also wait for each other.
 */
export const MIGRATION_LOCK_KEY = 72707369;

/**
 * Runs `fn` holding the session-level advisory lock on `client`'s database, waiting at most `timeoutMs` for it.
 * The lock is released afterwards (and by PostgreSQL anyway if the session dies).
 */
export async function withMigrationLock<T>(
  client: PostgresConnection,
  timeoutMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  // lock_timeout bounds the wait for heavyweight locks, advisory locks included; reset before running
  // migrations so their DDL is not bounded by it.
  await client.exec(`SET lock_timeout = ${Math.trunc(timeoutMs)}`);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') {
      throw new MigrationLockTimeoutError(
        `Another process has been migrating this database for over ${timeoutMs} ms (advisory lock ${MIGRATION_LOCK_KEY}); try again later`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    await client.exec('RESET lock_timeout').catch(() => {});
  }
  try {
    return await fn();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
  }
}
