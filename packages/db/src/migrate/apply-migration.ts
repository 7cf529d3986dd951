import { randomUUID } from 'node:crypto';
import { inConnectionTransaction } from '../connection/in-connection-transaction.ts';
import type { PostgresConnection } from '../connection/postgres-connection.ts';
import { MigrationApplyError } from './migration-errors.ts';
import type { MigrationFile } from './migration-files.ts';

/**
 * Applies one migration and records it in `_prisma_migrations`, all in one transaction: a failing script leaves
 * neither schema changes nor a ledger row behind. The row is what `prisma migrate deploy` writes for a
 * successful migration (checksum, finished_at, applied_steps_count = 1), so Prisma later sees it as applied.
 * A script that cannot run inside a transaction (CREATE INDEX CONCURRENTLY) is not supported.
 */
export async function applyMigration(client: PostgresConnection, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  await inConnectionTransaction(client, 'BEGIN', async () => {
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, clock_timestamp(), 0)`,
      [id, migration.checksum, migration.name],
    );
    try {
      // Simple-query protocol (no parameters): the script may hold many statements.
      await client.exec(migration.sql);
    } catch (error) {
      const { code, position } = error as { code?: string; position?: string };
      const where = position === undefined ? '' : ` at character ${position}`;
      throw new MigrationApplyError(
        migration.name,
        `${(error as Error).message}${where}${code ? ` (SQLSTATE ${code})` : ''}`,
        { cause: error },
      );
    }
    await client.query(
      'UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1',
      [id],
    );
  });
}
