import type { PostgresConnection } from '../connection/postgres-connection.ts';
import { applyMigration } from './apply-migration.ts';
import { FailedMigrationFoundError, MigrationChecksumMismatchError } from './migration-errors.ts';
import type { MigrationFile } from './migration-files.ts';
import { ensureLedgerTable, isApplied, isFailed, readLedger } from './migration-ledger.ts';
import { withMigrationLock } from './migration-lock.ts';

export interface ApplyPendingMigrationsOptions {
  /** Milliseconds to wait for another session's migration (the advisory lock) before giving up. */
  lockTimeoutMs: number;
  /** Called with one line per migration applied. */
  log: (message: string) => void;
}

/** What a migration pass did. */
export interface AppliedMigrations {
  /** Migrations this call applied, in order. */
  applied: string[];
  /** Migrations that were applied before this call. */
  alreadyApplied: string[];
}

/**
 * The migrator proper, over any PostgreSQL session (a server through pg, or the embedded PGlite): under
 * Prisma's advisory lock, reads the `_prisma_migrations` ledger, refuses an edited applied migration
 * ({@link MigrationChecksumMismatchError}) or a failed one ({@link FailedMigrationFoundError}), and applies the
 * pending ones in order, each in its own transaction with its ledger row.
 */
export async function applyPendingMigrations(
  client: PostgresConnection,
  migrations: readonly MigrationFile[],
  options: ApplyPendingMigrationsOptions,
): Promise<AppliedMigrations> {
  return withMigrationLock(client, options.lockTimeoutMs, async () => {
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
      options.log(`applied migration ${migration.name}`);
      applied.push(migration.name);
    }
    return { applied, alreadyApplied };
  });
}
