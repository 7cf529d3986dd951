import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DATABASE_POOL_DEFAULTS,
  isDatabaseUnavailableError,
  isTransientDatabaseError,
  PgPoolStore,
  resolveDatabasePoolOptions,
} from '../src/index.ts';
import { createTestDatabase, type PrismaClient, prismaOf, type TestDatabase } from '../src/testing/index.ts';

let testDb: TestDatabase;
let store: PgPoolStore;
let db: PrismaClient;
beforeAll(async () => {
  testDb = await createTestDatabase({ migrate: false });
  store = new PgPoolStore(testDb.url, { statementTimeoutMs: 300, idleInTransactionTimeoutMs: 4000 });
  db = prismaOf(store);
});
afterAll(async () => {
  await store?.close();
  await testDb?.drop();
});

describe('the results database pool', () => {
  it('sets the statement and idle-in-transaction timeouts on every connection, Prisma’s and the raw pool’s', async () => {
    const viaPrisma = await db.$queryRaw<{ s: string; i: string }[]>`
      SELECT current_setting('statement_timeout') AS s, current_setting('idle_in_transaction_session_timeout') AS i`;
    expect(viaPrisma).toEqual([{ s: '300ms', i: '4s' }]);
    const viaPool = await store.rows`
      SELECT current_setting('statement_timeout') AS s, current_setting('idle_in_transaction_session_timeout') AS i`;
    expect(viaPool).toEqual([{ s: '300ms', i: '4s' }]);
  });

  it('has documented defaults: connect 5 s, statement 30 s, idle in a transaction 60 s', () => {
    expect(resolveDatabasePoolOptions()).toEqual({
      ...DATABASE_POOL_DEFAULTS,
      maxConnections: 10,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 30_000,
      idleInTransactionTimeoutMs: 60_000,
      queryTimeoutMs: 35_000,
    });
  });

  it('cancels a statement past the statement timeout with an error the API answers 503', async () => {
    const error = await db.$queryRaw`SELECT pg_sleep(2)`.catch((e: unknown) => e);
    expect(isDatabaseUnavailableError(error)).toBe(true);
    const raw = await store.rows`SELECT pg_sleep(2)`.catch((e: unknown) => e);
    // The store names the driver's error (SQLSTATE 57014, canceled) in its own vocabulary, the original as cause.
    expect(raw).toMatchObject({ code: 'STORE_UNAVAILABLE', cause: { code: '57014' } });
    expect(isDatabaseUnavailableError(raw)).toBe(true);
  });

  it('does not call a wrong statement an outage', async () => {
    const error = await db.$queryRaw`SELECT * FROM no_such_table`.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isDatabaseUnavailableError(error)).toBe(false);
    expect(isTransientDatabaseError(error)).toBe(false);
  });

  it('rejects a timeout that is not a positive integer, naming the option', () => {
    expect(() => new PgPoolStore(testDb.url, { connectTimeoutMs: 0 })).toThrow(
      'DatabasePoolOptions.connectTimeoutMs must be a positive integer, got 0',
    );
  });
});
