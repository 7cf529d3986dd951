// Typed errors of the migrator. Classify them by `instanceof` or `code`, never by message text.

import { codedError } from '../coded-error.ts';

/** Why a database server could not be used. */
export type DatabaseUnreachableReason =
  | 'connection-refused'
  | 'unknown-host'
  | 'timeout'
  | 'authentication-failed'
  | 'database-missing'
  | 'other';

/**
 * The server could not be reached or refused us. The message names `host:port/database` and what failed, so a
 * CLI can print it as is (no stack); the driver's error is kept in `cause`.
 */
export class DatabaseUnreachableError extends codedError('DATABASE_UNREACHABLE') {
  constructor(
    readonly target: { host: string; port: number; database: string },
    readonly reason: DatabaseUnreachableReason,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Cannot use PostgreSQL at ${target.host}:${target.port}/${target.database}: ${detail}`, options);
  }
}

/** The migrations folder is missing or holds no migration. */
export class MigrationsNotFoundError extends codedError('MIGRATIONS_NOT_FOUND') {}

/**
 * A migration recorded as applied no longer matches its file: someone edited an applied migration. Add a new
 * migration instead; the database is left untouched.
 */
export class MigrationChecksumMismatchError extends codedError('MIGRATION_CHECKSUM_MISMATCH') {
  constructor(
    readonly migrationName: string,
    readonly recordedChecksum: string,
    readonly fileChecksum: string,
  ) {
    super(
      `Migration ${migrationName} was applied with checksum ${recordedChecksum}, but its migration.sql now has ` +
        `checksum ${fileChecksum}: applied migrations must not be edited; add a new migration instead`,
    );
  }
}

/**
 * The ledger records a migration that started and never finished (Prisma's P3009): the schema may be half
 * changed. Resolve it by hand, e.g. `prisma migrate resolve --rolled-back <name>` after repairing the schema.
 */
export class FailedMigrationFoundError extends codedError('FAILED_MIGRATION_FOUND') {
  constructor(readonly migrationName: string) {
    super(
      `Migration ${migrationName} is recorded as failed (started, never finished) in _prisma_migrations; ` +
        `repair the schema, then mark it with \`prisma migrate resolve --rolled-back ${migrationName}\` ` +
        `or --applied, and migrate again`,
    );
  }
}

/** A migration's SQL failed; its transaction was rolled back, so neither the schema nor the ledger changed. */
export class MigrationApplyError extends codedError('MIGRATION_APPLY_FAILED') {
  constructor(
    readonly migrationName: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Migration ${migrationName} failed and was rolled back: ${detail}`, options);
  }
}

/** Another process held the migration lock for longer than `lockTimeoutMs`. */
export class MigrationLockTimeoutError extends codedError('MIGRATION_LOCK_TIMEOUT') {}
