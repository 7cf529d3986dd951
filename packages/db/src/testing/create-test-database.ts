import { randomBytes } from 'node:crypto';
import { parseDatabaseUrl } from '../database-url.ts';
import type { PrismaClient } from '../generated/client.ts';
import { connectPostgres } from '../migrate/connect-postgres.ts';
import { quoteIdentifier } from '../migrate/ensure-database.ts';
import { migrateDatabase } from '../migrate/migrate-database.ts';
import { PgPoolStore } from '../store/pg-pool-store.ts';
import { prismaOf } from '../store/prisma-of.ts';
import type { Store } from '../store/store.ts';

/** Server used by test suites when `TEST_DATABASE_URL` is not set. Only its host, port and user matter. */
export const DEFAULT_TEST_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** URL of the fresh, migrated database. */
  url: string;
  /** The store on it, for the code under test. */
  store: Store;
  /** The store's Prisma client, for a test's fixtures and assertions (apps never see one). */
  db: PrismaClient;
  /** Closes `store` and drops the database (WITH (FORCE): other connections are cut). Idempotent. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Prefix of the database name, e.g. the suite's package. @defaultValue 'distillery_test' */
  prefix?: string;
  /** Apply the migrations. @defaultValue true */
  migrate?: boolean;
}

/**
 * A uniquely named database (`distillery_test_<random>`) on the test server (`TEST_DATABASE_URL`, else
 * {@link DEFAULT_TEST_DATABASE_URL}), migrated with the project's migrator, so each suite is isolated:
 *
 * ```ts
 * let testDb: TestDatabase;
 * beforeAll(async () => { testDb = await createTestDatabase(); });
 * afterAll(() => testDb?.drop());
 * ```
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const prefix = options.prefix ?? 'distillery_test';
  const base = parseDatabaseUrl(process.env.TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL, 'TEST_DATABASE_URL');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const url = new URL(base.url);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();

  if (options.migrate ?? true) {
    await migrateDatabase(databaseUrl);
  } else {
    const admin = await connectPostgres(base, { connectTimeoutMs: 10_000 });
    try {
      await admin.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
    } finally {
      await admin.end();
    }
  }

  const store = new PgPoolStore(databaseUrl, { maxConnections: 4 });
  let dropped: Promise<void> | undefined;
  const drop = (): Promise<void> => {
    dropped ??= (async () => {
      await store.close();
      const admin = await connectPostgres(base, { connectTimeoutMs: 10_000 });
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    })();
    return dropped;
  };
  return { url: databaseUrl, store, db: prismaOf(store), drop };
}
