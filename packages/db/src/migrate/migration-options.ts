import { fileURLToPath } from 'node:url';

/** The repository's `prisma/migrations`, found relative to this file (packages/db/src/migrate). */
export const DEFAULT_MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../../../../prisma/migrations', import.meta.url));

/** What every store that migrates on opening (a server's database, the embedded store) is told. */
export interface MigrationOptions {
  /**
   * Folder of migrations in Prisma's layout (`<timestamp>_<name>/migration.sql`), the same ones for a server and
   * the embedded store.
   * @defaultValue {@link DEFAULT_MIGRATIONS_DIRECTORY}
   */
  migrationsDirectory?: string;
  /** Called with one line per slow or notable step (database created, migration applied). @defaultValue no-op */
  log?: (message: string) => void;
}
