import { Prisma } from '../generated/client.ts';
import type { SqlExecutor } from '../store/sql-executor.ts';
import { fragmentRows } from './fragment-rows.ts';

/**
 * How many rows of `relation` there are in all, for a page whose rows may carry it (`total`): when the page
 * carries none (it is past the end, or its statement left the count out) it is counted apart.
 */
export async function pageTotal(
  db: SqlExecutor,
  rows: readonly { total: number | null }[],
  relation: Prisma.Sql,
): Promise<number> {
  const carried = rows[0]?.total;
  if (carried !== undefined && carried !== null) return carried;
  return countRows(db, relation);
}

/** How many rows `relation` has, in a statement of its own. */
export async function countRows(db: SqlExecutor, relation: Prisma.Sql): Promise<number> {
  const [counted] = await fragmentRows<{ total: number }>(
    db,
    Prisma.sql`SELECT count(*)::int AS total FROM (${relation}) r`,
  );
  return counted?.total ?? 0;
}
