import { DEFAULT_MIGRATIONS_DIRECTORY } from '../migrate/migrate-database-options.ts';

/** Where the embedded store lives when `DISTILLERY_DATA_DIR` is not set: `.distillery` in the working directory. */
export const DEFAULT_DATA_DIR = '.distillery';

export interface EmbeddedStoreOptions {
  /**
   * The store's folder (created when missing): the database in `pgdata/`, a lock file while a process has it
   * open. Relative paths are taken from the working directory.
   * @defaultValue {@link DEFAULT_DATA_DIR}
   */
  dataDir?: string;
  /**
   * Folder of migrations in Prisma's layout, the same ones a server gets.
   * @defaultValue the repository's `prisma/migrations`
   */
  migrationsDirectory?: string;
  /** Told about slow or notable steps (creating the database, each migration applied). @defaultValue no-op */
  log?: (message: string) => void;
}

export const EMBEDDED_STORE_DEFAULTS: Required<EmbeddedStoreOptions> = {
  dataDir: DEFAULT_DATA_DIR,
  migrationsDirectory: DEFAULT_MIGRATIONS_DIRECTORY,
  log: () => {},
};

/** Merges the defaults; an empty `dataDir` is refused with the option's name. */
export function resolveEmbeddedStoreOptions(options: EmbeddedStoreOptions = {}): Required<EmbeddedStoreOptions> {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved: Required<EmbeddedStoreOptions> = { ...EMBEDDED_STORE_DEFAULTS, ...defined };
  if (resolved.dataDir.trim() === '') throw new RangeError('EmbeddedStoreOptions.dataDir must not be empty');
  return resolved;
}
