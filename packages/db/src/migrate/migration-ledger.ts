import type { PostgresConnection } from '../connection/postgres-connection.ts';

/**
 * Prisma Migrate's ledger, created exactly as Prisma creates it (prisma-engines,
 * sql-schema-connector/src/flavour/postgres.rs `create_migrations_table`), plus IF NOT EXISTS.
 */
export const CREATE_MIGRATIONS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

/** One row of `_prisma_migrations`. */
export interface LedgerRow {
  id: string;
  checksum: string;
  migrationName: string;
  startedAt: Date;
  finishedAt: Date | null;
  rolledBackAt: Date | null;
  appliedStepsCount: number;
  logs: string | null;
}

/**
 * Row states as Prisma reads them: applied = finished and not rolled back; failed = neither finished nor rolled
 * back; rolled back rows are history and ignored (the migration counts as not applied).
 */
export const isApplied = (row: LedgerRow): boolean => row.finishedAt !== null && row.rolledBackAt === null;
export const isFailed = (row: LedgerRow): boolean => row.finishedAt === null && row.rolledBackAt === null;

export async function ensureLedgerTable(client: PostgresConnection): Promise<void> {
  await client.exec(CREATE_MIGRATIONS_TABLE_SQL);
}

export async function readLedger(client: PostgresConnection): Promise<LedgerRow[]> {
  return client.query<LedgerRow>(
    `SELECT id, checksum, migration_name AS "migrationName", started_at AS "startedAt",
            finished_at AS "finishedAt", rolled_back_at AS "rolledBackAt",
            applied_steps_count AS "appliedStepsCount", logs
       FROM _prisma_migrations
      ORDER BY started_at, migration_name`,
  );
}
