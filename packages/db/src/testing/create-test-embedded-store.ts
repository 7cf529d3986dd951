import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { EmbeddedStore, PGDATA_DIR } from '../embedded/embedded-store.ts';
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

/** PGlite's version and the migrations' checksums: a template made for other ones is not reused. */
async function templateKey(): Promise<string> {
  const require = createRequire(import.meta.url);
  const pglite = JSON.parse(
    readFileSync(join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json'), 'utf8'),
  ) as {
    version: string;
  };
  const migrations = await readMigrationFiles(DEFAULT_MIGRATIONS_DIRECTORY);
  const hash = createHash('sha256').update(pglite.version);
  for (const m of migrations) hash.update(`${m.name}:${m.checksum}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** A builder that has not finished in this long is taken for dead (its suite was killed). */
const STALE_BUILD_MS = 5 * 60_000;

/**
 * A migrated PGlite data folder to copy, made once per machine (and PGlite version and set of migrations) in the
 * temporary folder: initdb in WebAssembly takes tens of seconds, a copy a fraction of one. Suites starting at
 * once wait for the one that builds it (a lock folder) rather than each running initdb on the same cores.
 */
async function migratedTemplate(): Promise<string> {
  const template = join(tmpdir(), `distillery-pglite-template-${await templateKey()}`);
  const lock = `${template}.lock`;
  for (;;) {
    if (existsSync(join(template, PGDATA_DIR))) return template;
    try {
      await mkdir(lock);
    } catch {
      const since = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (since > STALE_BUILD_MS) await rm(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    try {
      const building = await mkdtemp(`${template}.building-`);
      const store = await EmbeddedStore.open({ dataDir: building });
      await store.close();
      await rename(building, template).catch(() => rm(building, { recursive: true, force: true }));
      return template;
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
}

/**
 * An embedded store on a fresh temporary data folder holding a copy of a migrated template, so each suite (or
 * test) gets an isolated database in about a second:
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
  const template = await migratedTemplate();
  const dataDir = await mkdtemp(join(tmpdir(), 'distillery-embedded-'));
  await cp(join(template, PGDATA_DIR), join(dataDir, PGDATA_DIR), { recursive: true });
  return dataDir;
}
