import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store, StoreUnavailableError, TransactionConflictError } from '../src/index.ts';
import {
  createTestDatabase,
  createTestEmbeddedStore,
  type TestDatabase,
  type TestEmbeddedStore,
} from '../src/testing/index.ts';

let server: TestDatabase;
let embedded: TestEmbeddedStore;
beforeAll(async () => {
  [server, embedded] = await Promise.all([createTestDatabase({ migrate: false }), createTestEmbeddedStore()]);
});
afterAll(async () => {
  await Promise.all([server?.drop(), embedded?.remove()]);
});

const implementations: [string, () => Store][] = [
  ['on a PostgreSQL server (pg pool)', () => server.store],
  ['embedded (PGlite)', () => embedded.store],
];

describe.each(implementations)('a store %s', (_, storeOf) => {
  beforeAll(async () => {
    await storeOf().run`CREATE TABLE IF NOT EXISTS store_probe (id int PRIMARY KEY, note text)`;
  });

  it('binds every interpolation as a parameter and counts affected rows', async () => {
    const store = storeOf();
    const note = "it's'; DROP TABLE store_probe; --";
    expect(await store.run`INSERT INTO store_probe (id, note) VALUES (${1}, ${note})`).toBe(1);
    expect(await store.rows`SELECT id, note FROM store_probe WHERE id = ${1}`).toEqual([{ id: 1, note }]);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    const store = storeOf();
    await store.transaction((tx) => tx.run`INSERT INTO store_probe (id) VALUES (${2})`);
    const failure = new Error('changed my mind');
    await expect(
      store.transaction(async (tx) => {
        await tx.run`INSERT INTO store_probe (id) VALUES (${3})`;
        throw failure;
      }),
    ).rejects.toBe(failure);
    const ids = await store.rows<{ id: number }>`SELECT id FROM store_probe WHERE id IN (2, 3) ORDER BY id`;
    expect(ids).toEqual([{ id: 2 }]);
  });

  it('joins the enclosing transaction when one is opened inside it', async () => {
    const store = storeOf();
    await expect(
      store.transaction(async (tx) => {
        await tx.transaction((inner) => inner.run`INSERT INTO store_probe (id) VALUES (${4})`);
        throw new Error('roll both back');
      }),
    ).rejects.toThrow('roll both back');
    expect(await store.rows`SELECT id FROM store_probe WHERE id = ${4}`).toEqual([]);
  });

  it('tries a transaction again after a conflict, and no more often than asked', async () => {
    const store = storeOf();
    let calls = 0;
    const answer = await store.transaction(async () => {
      calls++;
      if (calls === 1) throw new TransactionConflictError('deadlock detected');
      return 'second try';
    });
    expect({ answer, calls }).toEqual({ answer: 'second try', calls: 2 });
    calls = 0;
    await expect(
      store.transaction(
        async () => {
          calls++;
          throw new TransactionConflictError('deadlock detected');
        },
        { tries: 2 },
      ),
    ).rejects.toBeInstanceOf(TransactionConflictError);
    expect(calls).toBe(2);
  });

  it("leaves a wrong statement's error as the driver gave it (not an outage)", async () => {
    const error = await storeOf().rows`SELECT * FROM no_such_table`.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '42P01' });
    expect(error).not.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('openStore', () => {
  it('opens a server store from a URL that fails, when unreachable, with StoreUnavailableError', async () => {
    const store = await openStore({ url: 'postgresql://postgres@127.0.0.1:1/none', pool: { connectTimeoutMs: 1000 } });
    try {
      expect(store.kind).toBe('server');
      const error = await store.rows`SELECT 1`.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ transient: true });
    } finally {
      await store.close();
    }
  });
});
