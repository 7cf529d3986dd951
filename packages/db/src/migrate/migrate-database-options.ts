import { fileURLToPath } from 'node:url';

/** The repository's `prisma/migrations`, found relative to this file (packages/db/src/migrate). */
export const DEFAULT_MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../../../../prisma/migrations', import.meta.url));

export interface MigrateDatabaseOptions {
  /**
   * Folder of migrations in Prisma's layout (`<timestamp>_<name>/migration.sql`).
   * @defaultValue {@link DEFAULT_MIGRATIONS_DIRECTORY}
   */
  migrationsDirectory?: string;
  /**
   * Create the target database when it does not exist, through the server's `postgres` maintenance database.
   * @defaultValue true
   */
  createDatabase?: boolean;
  /**
   * Milliseconds to wait for another process's migration to finish (the advisory lock) before giving up.
   * @defaultValue 60000
   */
  lockTimeoutMs?: number;
  /**
   * Milliseconds to wait for a connection before reporting the server unreachable.
   * @defaultValue 10000
   */
  connectTimeoutMs?: number;
  /** Called with one line per step (database created, migration applied). @defaultValue no-op */
  log?: (message: string) => void;
}

export const MIGRATE_DATABASE_DEFAULTS: Required<MigrateDatabaseOptions> = {
  migrationsDirectory: DEFAULT_MIGRATIONS_DIRECTORY,
  createDatabase: true,
  lockTimeoutMs: 60_000,
  connectTimeoutMs: 10_000,
  log: () => {},
};

/** Merges the defaults and validates; messages name the option and the rule. */
export function resolveMigrateDatabaseOptions(options: MigrateDatabaseOptions = {}): Required<MigrateDatabaseOptions> {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved: Required<MigrateDatabaseOptions> = { ...MIGRATE_DATABASE_DEFAULTS, ...defined };
  for (const key of ['lockTimeoutMs', 'connectTimeoutMs'] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`migrateDatabase option ${key} must be a positive integer (milliseconds), got ${value}`);
    }
  }
  return resolved;
}
