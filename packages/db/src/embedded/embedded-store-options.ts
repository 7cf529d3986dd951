import { DEFAULT_MIGRATIONS_DIRECTORY, type MigrationOptions } from '../migrate/migration-options.ts';
import { withDefaults } from '../with-defaults.ts';
import { defaultStoreTemplateDir } from './store-template.ts';

/** Where the embedded store lives when `DISTILLERY_DATA_DIR` is not set: `.distillery` in the working directory. */
export const DEFAULT_DATA_DIR = '.distillery';

export interface EmbeddedStoreOptions extends MigrationOptions {
  /**
   * The store's folder (created when missing): the database in `pgdata/`, a lock file while a process has it
   * open. Relative paths are taken from the working directory.
   * @defaultValue {@link DEFAULT_DATA_DIR}
   */
  dataDir?: string;
  /**
   * Where a new store's database is copied from: a migrated template kept in this folder (made by the first
   * store that needs it), instead of PGlite's initdb for every new store. null creates every new database in
   * place. @defaultValue `node_modules/.cache/distillery` beside PGlite
   */
  templateDir?: string | null;
}

export const EMBEDDED_STORE_DEFAULTS: Required<EmbeddedStoreOptions> = {
  dataDir: DEFAULT_DATA_DIR,
  templateDir: defaultStoreTemplateDir(),
  migrationsDirectory: DEFAULT_MIGRATIONS_DIRECTORY,
  log: () => {},
};

/** Merges the defaults; an empty `dataDir` is refused with the option's name. */
export function resolveEmbeddedStoreOptions(options: EmbeddedStoreOptions = {}): Required<EmbeddedStoreOptions> {
  const resolved = withDefaults(EMBEDDED_STORE_DEFAULTS, options);
  if (resolved.dataDir.trim() === '') throw new RangeError('EmbeddedStoreOptions.dataDir must not be empty');
  return resolved;
}
