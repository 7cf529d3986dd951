// Transitional, while apps/api services still hold statements of their own: each area's statements move into
// packages/db operations, and these exports go with the last of them.
import type { Prisma } from '../generated/client.ts';
import { compileSql } from './compile-sql.ts';
import type { SqlExecutor } from './sql-executor.ts';

export type { PrismaClient } from '../generated/client.ts';
export { Prisma } from '../generated/client.ts';
export { prismaOf } from './prisma-of.ts';

/** @deprecated An executor over a Prisma interactive transaction, for a submission still written with Prisma. */
export function prismaTransactionSql(tx: Prisma.TransactionClient): SqlExecutor {
  const sql: SqlExecutor = {
    rows: <T>(strings: TemplateStringsArray, ...values: unknown[]) =>
      tx.$queryRawUnsafe<T[]>(compileSql(strings), ...values),
    run: (strings, ...values) => tx.$executeRawUnsafe(compileSql(strings), ...values),
    transaction: (fn) => fn(sql),
  };
  return sql;
}
