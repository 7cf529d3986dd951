import { pgConnection } from '../connection/postgres-connection.ts';
import { parseDatabaseUrl } from '../database-url.ts';
import { type AppliedMigrations, applyPendingMigrations } from './apply-pending-migrations.ts';
import { connectCreatingDatabase } from './ensure-database.ts';
import { type MigrateDatabaseOptions, resolveMigrateDatabaseOptions } from './migrate-database-options.ts';
import { readMigrationFiles } from './migration-files.ts';

export interface MigrateResult extends AppliedMigrations {
  /** Whether this call created the database. */
  databaseCreated: boolean;
}

/**
 * Brings a PostgreSQL database up to date with the SQL migrations in Prisma's layout, recording them in Prisma's
 * `_prisma_migrations` ledger so `prisma migrate deploy` agrees later. Creates the database if it is missing.
 * Safe to run again (applies nothing new) and from several processes at once (an advisory lock serialises them;
 * the second finds everything applied).
 *
 * Refuses, changing nothing, when an applied migration's file was edited ({@link MigrationChecksumMismatchError})
 * or a migration is recorded as failed ({@link FailedMigrationFoundError}). Connection problems surface as
 * `DatabaseUnreachableError`, a failing script as `MigrationApplyError`.
 */
export async function migrateDatabase(databaseUrl: string, options?: MigrateDatabaseOptions): Promise<MigrateResult> {
  const opts = resolveMigrateDatabaseOptions(options);
  const target = parseDatabaseUrl(databaseUrl);
  const migrations = await readMigrationFiles(opts.migrationsDirectory);
  const { client, created } = await connectCreatingDatabase(target, opts);
  if (created) opts.log(`created database ${target.database} on ${target.host}:${target.port}`);
  try {
    const result = await applyPendingMigrations(pgConnection(client), migrations, opts);
    return { databaseCreated: created, ...result };
  } finally {
    await client.end().catch(() => {});
  }
}
