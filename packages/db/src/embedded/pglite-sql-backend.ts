import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { SqlBackend } from '../sql/sql-backend.ts';
import type { SqlExecutor } from '../sql/sql-executor.ts';

/** `a ${x} b ${y}` → `a $1 b $2`: every interpolation is a bound parameter, as in sql-executor.ts. */
const compile = (strings: TemplateStringsArray): string => strings.reduce((text, part, i) => `${text}$${i}${part}`);

function executor(q: PGlite | Transaction): SqlExecutor {
  return {
    rows: async <T>(strings: TemplateStringsArray, ...values: unknown[]) =>
      (await q.query<T>(compile(strings), values)).rows,
    run: async (strings, ...values) => (await q.query(compile(strings), values)).affectedRows ?? 0,
  };
}

/**
 * The run life-cycle's SQL straight on PGlite, around Prisma's driver adapter (registered for the embedded
 * store's client). PGlite is one session: a transaction holds it, and other statements wait their turn.
 */
export function pgliteSqlBackend(db: PGlite): SqlBackend {
  return { executor: executor(db), transaction: (fn) => db.transaction((tx) => fn(executor(tx))) };
}
