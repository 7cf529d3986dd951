import type { DatabasePoolOptions } from '../connection/database-pool-options.ts';
import type { EmbeddedStoreOptions } from '../embedded/embedded-store-options.ts';
import { PgPoolStore } from './pg-pool-store.ts';
import type { Store } from './store.ts';

/** Where to open a store: a PostgreSQL server by URL (with its pool's bounds), or a data folder (embedded). */
export type StoreLocation =
  | { url: string; pool?: DatabasePoolOptions }
  | ({ dataDir: string } & Omit<EmbeddedStoreOptions, 'dataDir'>);

/**
 * Opens the results database at `location`. A server is not contacted until the first statement (call
 * `checkDatabase` first for a clear error); a data folder is opened, created and migrated as needed — PGlite
 * is loaded only then, so a server process never loads it.
 */
export async function openStore(location: StoreLocation): Promise<Store> {
  if ('url' in location) return new PgPoolStore(location.url, location.pool);
  const { EmbeddedStore } = await import('../embedded/embedded-store.ts');
  return EmbeddedStore.open(location);
}
