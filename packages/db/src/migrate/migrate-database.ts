import { parseDatabaseUrl } from '../database-url.ts';
import { applyMigration } from './apply-migration.ts';
import { connectCreatingDatabase } from './ensure-database.ts';
import { type MigrateDatabaseOptions, resolveMigrateDatabaseOptions } from './migrate-database-options.ts';
import { FailedMigrationFoundError, MigrationChecksumMismatchError } from './migration-errors.ts';
import { readMigrationFiles } from './migration-files.ts';
import { ensureLedgerTable, isApplied, isFailed, readLedger } from './migration-ledger.ts';
import { withMigrationLock } from './migration-lock.ts';

export interface MigrateResult {
  /** Whether this call created the database. */
  databaseCreated: boolean;
  /** Migrations this call applied, in order. */
  applied: string[];
  /** Migrations that were applied before this call. */
  alreadyApplied: string[];
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
    return await withMigrationLock(client, opts.lockTimeoutMs, async () => {
      await ensureLedgerTable(client);
      const ledger = await readLedger(client);

      const failed = ledger.find(isFailed);
      if (failed !== undefined) throw new FailedMigrationFoundError(failed.migrationName);

      const appliedRows = new Map(ledger.filter(isApplied).map((row) => [row.migrationName, row]));
      const pending = [];
      const alreadyApplied = [];
      for (const migration of migrations) {
        const row = appliedRows.get(migration.name);
        if (row === undefined) {
          pending.push(migration);
        } else if (row.checksum === migration.checksum || migration.equivalentChecksums.includes(row.checksum)) {
          alreadyApplied.push(migration.name);
        } else {
          throw new MigrationChecksumMismatchError(migration.name, row.checksum, migration.checksum);
        }
      }

      const applied = [];
      for (const migration of pending) {
        await applyMigration(client, migration);
        opts.log(`applied migration ${migration.name}`);
        applied.push(migration.name);
      }
      return { databaseCreated: created, applied, alreadyApplied };
    });
  } finally {
    await client.end().catch(() => {});
  }
}
