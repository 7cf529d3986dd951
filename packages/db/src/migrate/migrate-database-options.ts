import { withDefaults } from '../with-defaults.ts';
import { DEFAULT_MIGRATIONS_DIRECTORY, type MigrationOptions } from './migration-options.ts';

export interface MigrateDatabaseOptions extends MigrationOptions {
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
  const resolved = withDefaults(MIGRATE_DATABASE_DEFAULTS, options);
  for (const key of ['lockTimeoutMs', 'connectTimeoutMs'] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`migrateDatabase option ${key} must be a positive integer (milliseconds), got ${value}`);
    }
  }
  return resolved;
}
