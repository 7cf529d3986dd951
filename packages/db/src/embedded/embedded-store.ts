import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { PostgresConnection } from '../connection/postgres-connection.ts';
import { PrismaClient } from '../generated/client.ts';
import { type AppliedMigrations, applyPendingMigrations } from '../migrate/apply-pending-migrations.ts';
import { readMigrationFiles } from '../migrate/migration-files.ts';
import { registerSqlBackend } from '../sql/sql-backend.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { EmbeddedStoreOpenError } from './embedded-store-errors.ts';
import { type EmbeddedStoreOptions, resolveEmbeddedStoreOptions } from './embedded-store-options.ts';
import { pgliteConnection } from './pglite-connection.ts';
import { PgliteRunEventSource } from './pglite-run-event-source.ts';
import { pgliteSqlBackend } from './pglite-sql-backend.ts';

/** The data folder's mode: owner only (rwx------). */
export const DATA_DIR_MODE = 0o700;

/** The database folder inside the data folder. */
export const PGDATA_DIR = 'pgdata';

/**
 * Distillery's results database without a server (issue 6, item 1): PostgreSQL 17 compiled to WebAssembly
 * (PGlite), persistent under a data folder, with the same schema and SQL migrations as a server — recorded in
 * the same `_prisma_migrations` ledger — and the same Prisma client, through `pglite-prisma-adapter`. Every
 * repository, raw statement and trigger of packages/db runs on it unchanged.
 *
 * One process at a time (a lock file in the folder): PGlite is a single-session database inside this process.
 * Opening a folder for the first time runs initdb, which takes tens of seconds in WebAssembly; later opens
 * take a second or two.
 */
export class EmbeddedStore {
  private closing: Promise<void> | undefined;

  private constructor(
    /** The absolute data folder. */
    readonly dataDir: string,
    /** The PGlite instance (for raw access; prefer {@link db} or {@link connection}). */
    readonly pglite: PGlite,
    /** A Prisma client on the store, as `createDatabaseClient` gives for a server. */
    readonly db: PrismaClient,
    /** Wakes SSE streams when run events commit (LISTEN/NOTIFY inside PGlite). */
    readonly events: PgliteRunEventSource,
    /** What opening it migrated. */
    readonly migrations: AppliedMigrations & { databaseCreated: boolean },
    private readonly release: () => void,
  ) {}

  /**
   * Opens (creating and migrating as needed) the store in `options.dataDir`. Throws
   * `EmbeddedStoreLockedError` when another live process has it open, `EmbeddedStoreOpenError` when the folder
   * cannot be used, and the migrator's errors (`MigrationChecksumMismatchError`…) as for a server.
   */
  static async open(options?: EmbeddedStoreOptions): Promise<EmbeddedStore> {
    const opts = resolveEmbeddedStoreOptions(options);
    const dataDir = resolve(opts.dataDir);
    try {
      // Owner only: the folder holds the team's results, its API key and checkpoints. A folder made by an
      // older version (0755) is tightened too.
      await mkdir(dataDir, { recursive: true, mode: DATA_DIR_MODE });
      await chmod(dataDir, DATA_DIR_MODE);
    } catch (error) {
      throw new EmbeddedStoreOpenError(dataDir, (error as Error).message, { cause: error });
    }
    const migrationFiles = await readMigrationFiles(opts.migrationsDirectory);
    const release = lockDataDir(dataDir);
    let pglite: PGlite | undefined;
    try {
      const pgdata = join(dataDir, PGDATA_DIR);
      const databaseCreated = !existsSync(pgdata);
      if (databaseCreated) opts.log(`creating the embedded database in ${pgdata} (first use only; it takes a while)`);
      try {
        pglite = await PGlite.create({ dataDir: pgdata });
      } catch (error) {
        throw new EmbeddedStoreOpenError(dataDir, (error as Error).message, { cause: error });
      }
      const applied = await applyPendingMigrations(pgliteConnection(pglite), migrationFiles, {
        lockTimeoutMs: 60_000,
        log: opts.log,
      });
      const events = new PgliteRunEventSource(pglite);
      await events.start();
      const db = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
      registerSqlBackend(db, pgliteSqlBackend(pglite));
      return new EmbeddedStore(dataDir, pglite, db, events, { databaseCreated, ...applied }, release);
    } catch (error) {
      await pglite?.close().catch(() => {});
      release();
      throw error;
    }
  }

  /** One session for the migrator and export/import (PGlite has only one: it is shared with {@link db}). */
  get connection(): PostgresConnection {
    return pgliteConnection(this.pglite);
  }

  /** Disconnects the client, closes the database (flushing it to the folder) and releases the lock. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.events.close();
      await this.db.$disconnect().catch(() => {});
      await this.pglite.close().catch(() => {});
      this.release();
    })();
    return this.closing;
  }
}
