import type { PrismaClient } from '../generated/client.ts';
import { compileSql } from '../store/compile-sql.ts';
import { PRISMA_CLIENT } from '../store/prisma-client-key.ts';
import { prismaOf } from '../store/prisma-of.ts';
import type { SqlExecutor } from '../store/sql-executor.ts';
import type { Store } from '../store/store.ts';
import { shareApiKeyChanges } from '../teams/api-key-changes.ts';

/** A statement a store sent: SQL of an operation, or a Prisma call of packages/db's CRUD. */
export type ObservedStatement =
  | { via: 'sql'; text: string }
  | { via: 'prisma'; model: string | undefined; operation: string };

/**
 * `store` with every statement reported to `listener` before it is sent, for tests that check what a code path
 * asks of the database (how many statements, which lookups). Closing it closes `store`.
 */
export function observeStatements(store: Store, listener: (statement: ObservedStatement) => void): Store {
  const prisma = prismaOf(store).$extends({
    query: {
      async $allOperations({ model, operation, args, query }) {
        listener({ via: 'prisma', model, operation });
        return query(args);
      },
    },
  }) as unknown as PrismaClient;
  const observe = (sql: SqlExecutor): SqlExecutor => ({
    rows: (strings, ...values) => {
      listener({ via: 'sql', text: compileSql(strings) });
      return sql.rows(strings, ...values);
    },
    run: (strings, ...values) => {
      listener({ via: 'sql', text: compileSql(strings) });
      return sql.run(strings, ...values);
    },
    transaction: (fn, options) => sql.transaction((tx) => fn(observe(tx)), options),
  });
  const observed: Store = { ...observe(store), kind: store.kind, close: () => store.close(), [PRISMA_CLIENT]: prisma };
  shareApiKeyChanges(observed, store);
  return observed;
}
