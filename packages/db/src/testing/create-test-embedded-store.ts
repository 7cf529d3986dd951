import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore, PGDATA_DIR } from '../embedded/embedded-store.ts';
import { migratedStoreTemplate } from '../embedded/store-template.ts';
import type { PrismaClient } from '../generated/client.ts';
import { readMigrationFiles } from '../migrate/migration-files.ts';
import { DEFAULT_MIGRATIONS_DIRECTORY } from '../migrate/migration-options.ts';
import { prismaOf } from '../store/prisma-of.ts';

export interface TestEmbeddedStore {
  /** The store, open on a fresh temporary data folder. */
  store: EmbeddedStore;
  /** The store's Prisma client, for a test's fixtures and assertions (apps never see one). */
  db: PrismaClient;
  /** The temporary data folder. */
  dataDir: string;
  /** Closes the store and deletes its folder. Idempotent. */
  remove(): Promise<void>;
}

/**
 * An embedded store on a fresh temporary data folder holding a copy of the migrated store template, so each
 * suite (or test) gets an isolated database in about a second:
 *
 * ```ts
 * let embedded: TestEmbeddedStore;
 * beforeAll(async () => { embedded = await createTestEmbeddedStore(); });
 * afterAll(() => embedded?.remove());
 * ```
 */
export async function createTestEmbeddedStore(): Promise<TestEmbeddedStore> {
  const dataDir = await createTestDataDir();
  const store = await EmbeddedStore.open({ dataDir });
  let removed: Promise<void> | undefined;
  const remove = (): Promise<void> => {
    removed ??= (async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    })();
    return removed;
  };
  return { store, db: prismaOf(store), dataDir, remove };
}

/**
 * A fresh temporary data folder already holding a migrated embedded database (closed), for tests that open it
 * themselves — e.g. a `distillery` process started with `DISTILLERY_DATA_DIR` pointing at it.
 */
export async function createTestDataDir(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'distillery-embedded-'));
  const template = await migratedStoreTemplate(await readMigrationFiles(DEFAULT_MIGRATIONS_DIRECTORY));
  if (template === null) {
    // No template can be kept here (a read-only install): the store is created in place, and closed.
    await (await EmbeddedStore.open({ dataDir, templateDir: null })).close();
  } else {
    await cp(template, join(dataDir, PGDATA_DIR), { recursive: true });
  }
  return dataDir;
}
