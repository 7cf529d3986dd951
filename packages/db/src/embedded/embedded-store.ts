import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { PostgresConnection } from '../connection/postgres-connection.ts';
import { PrismaClient } from '../generated/client.ts';
import { type AppliedMigrations, applyPendingMigrations } from '../migrate/apply-pending-migrations.ts';
import { type MigrationFile, readMigrationFiles } from '../migrate/migration-files.ts';
import { classified } from '../store/classified.ts';
import { classifyingPrisma } from '../store/classifying-prisma.ts';
import { preparedSql } from '../store/compile-sql.ts';
import { PRISMA_CLIENT } from '../store/prisma-client-key.ts';
import { retryTransient } from '../store/retry-transient.ts';
import type { SqlExecutor } from '../store/sql-executor.ts';
import type { Store } from '../store/store.ts';
import { TRANSACTION_DEFAULTS, type TransactionOptions } from '../store/transaction-options.ts';
import { noteApiKeyWrite } from '../teams/api-key-changes.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { EmbeddedStoreOpenError } from './embedded-store-errors.ts';
import { type EmbeddedStoreOptions, resolveEmbeddedStoreOptions } from './embedded-store-options.ts';
import { pgliteConnection } from './pglite-connection.ts';
import { PglitePreparedStatements } from './pglite-prepared-statements.ts';
import { PgliteRunEventSource } from './pglite-run-event-source.ts';
import { migratedStoreTemplate } from './store-template.ts';

/** The data folder's mode: owner only (rwx------). */
export const DATA_DIR_MODE = 0o700;

/** The database folder inside the data folder. */
export const PGDATA_DIR = 'pgdata';

/**
 * One statement on PGlite: a template written in the code with parameters as a prepared statement (see
 * {@link PglitePreparedStatements}), any other (composed at run time, or without parameters) through `query`,
 * inside `tx` when given.
 */
function runStatement<T>(
  db: PGlite,
  prepared: PglitePreparedStatements,
  tx: Transaction | null,
  strings: TemplateStringsArray,
  values: unknown[],
) {
  const statement = preparedSql(strings, values);
  if (tx?.closed) throw new Error('Transaction is closed');
  if (statement.name !== undefined) {
    return classified(prepared.query<T>(statement.name, statement.text, statement.values, tx !== null));
  }
  return classified((tx ?? db).query<T>(statement.text, statement.values));
}

/** Statements inside a PGlite transaction; a nested transaction joins it. */
function transactionExecutor(db: PGlite, prepared: PglitePreparedStatements, tx: Transaction): SqlExecutor {
  const sql: SqlExecutor = {
    rows: async <T>(strings: TemplateStringsArray, ...values: unknown[]) =>
      (await runStatement<T>(db, prepared, tx, strings, values)).rows,
    run: async (strings, ...values) => (await runStatement(db, prepared, tx, strings, values)).affectedRows ?? 0,
    transaction: (fn) => fn(sql),
  };
  return sql;
}

/**
 * Distillery's results database without a server, the PGlite implementation of {@link Store}: PostgreSQL 17
 * compiled to WebAssembly, persistent under a data folder, with the same schema and SQL migrations as a server
 * — recorded in the same `_prisma_migrations` ledger. Every operation, statement and trigger of packages/db runs
 * on it unchanged. Statements go to PGlite itself: through Prisma's driver adapter one costs ~15 ms here,
 * against ~3 ms on PGlite (measured on the project's 2-core machine), and the templates written in the code run
 * as prepared statements ({@link PglitePreparedStatements}); Prisma's client (through `pglite-prisma-adapter`)
 * is made on first use for packages/db's CRUD.
 *
 * One process at a time (a lock file in the folder): PGlite is a single-session database inside this process.
 * Opening a folder for the first time runs initdb, which takes tens of seconds in WebAssembly; later opens
 * take a second or two.
 */
export class EmbeddedStore implements Store {
  readonly kind = 'embedded';
  private closing: Promise<void> | undefined;
  private prisma: PrismaClient | undefined;
  private readonly prepared: PglitePreparedStatements;

  private constructor(
    /** The absolute data folder. */
    readonly dataDir: string,
    /** The PGlite instance (for raw access; prefer the store's statements or {@link connection}). */
    readonly pglite: PGlite,
    /** Wakes SSE streams when run events commit (LISTEN/NOTIFY inside PGlite). */
    readonly events: PgliteRunEventSource,
    /** What opening it migrated. */
    readonly migrations: AppliedMigrations & { databaseCreated: boolean },
    private readonly release: () => void,
  ) {
    this.prepared = new PglitePreparedStatements(pglite);
  }

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
      const template = databaseCreated ? await copyTemplate(pgdata, migrationFiles, opts) : null;
      if (databaseCreated && template === null) {
        opts.log(`creating the embedded database in ${pgdata} (first use only; it takes a while)`);
      }
      try {
        pglite = await PGlite.create({ dataDir: pgdata });
      } catch (error) {
        throw new EmbeddedStoreOpenError(dataDir, (error as Error).message, { cause: error });
      }
      const pending = await applyPendingMigrations(pgliteConnection(pglite), migrationFiles, {
        lockTimeoutMs: 60_000,
        log: opts.log,
      });
      // A database copied from the template was migrated to create it, as one created in place is.
      const applied = template === null ? pending : { applied: migrationFiles.map((m) => m.name), alreadyApplied: [] };
      const events = new PgliteRunEventSource(pglite);
      await events.start();
      return new EmbeddedStore(dataDir, pglite, events, { databaseCreated, ...applied }, release);
    } catch (error) {
      await pglite?.close().catch(() => {});
      release();
      throw error;
    }
  }

  get [PRISMA_CLIENT](): PrismaClient {
    this.prisma ??= classifyingPrisma(
      new PrismaClient({ adapter: new PrismaPGlite(this.pglite) }),
      (model, operation) => noteApiKeyWrite(this, model, operation),
    );
    return this.prisma;
  }

  async rows<T>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T[]> {
    return (await runStatement<T>(this.pglite, this.prepared, null, strings, values)).rows;
  }

  async run(strings: TemplateStringsArray, ...values: unknown[]): Promise<number> {
    return (await runStatement(this.pglite, this.prepared, null, strings, values)).affectedRows ?? 0;
  }

  /**
   * One PGlite transaction. PGlite is one session: a transaction holds it, and other statements wait their
   * turn. `durable` does not apply (there is no WAL flush to skip that matters in process).
   */
  transaction<T>(fn: (sql: SqlExecutor) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const { tries } = { ...TRANSACTION_DEFAULTS, ...options };
    return retryTransient(tries, () =>
      classified(this.pglite.transaction((tx) => fn(transactionExecutor(this.pglite, this.prepared, tx)))),
    );
  }

  /** One session for the migrator and export/import (PGlite has only one: it is shared with the statements). */
  get connection(): PostgresConnection {
    return pgliteConnection(this.pglite);
  }

  /** Disconnects the client, closes the database (flushing it to the folder) and releases the lock. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.events.close();
      await this.prisma?.$disconnect().catch(() => {});
      await this.pglite.close().catch(() => {});
      this.release();
    })();
    return this.closing;
  }
}

/**
 * Copies the migrated template (made first when there is none) to `pgdata`; returns the template's folder, or
 * null when there is none to copy (templates turned off, or none can be made) and nothing was written.
 */
async function copyTemplate(
  pgdata: string,
  migrations: readonly MigrationFile[],
  opts: Required<EmbeddedStoreOptions>,
): Promise<string | null> {
  if (opts.templateDir === null) return null;
  const template = await migratedStoreTemplate(migrations, opts.templateDir);
  if (template === null) return null;
  try {
    await cp(template, pgdata, { recursive: true });
  } catch {
    await rm(pgdata, { recursive: true, force: true });
    return null;
  }
  opts.log(`created the embedded database in ${pgdata} from the migrated template in ${dirname(template)}`);
  return template;
}
