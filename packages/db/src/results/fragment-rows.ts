import type { Prisma } from '../generated/client.ts';
import type { SqlExecutor } from '../store/sql-executor.ts';

/**
 * Runs a statement composed of Prisma.sql fragments through the store's executor: the fragment's text parts
 * and values are exactly a tagged template's strings and parameters (every value stays a bound parameter).
 */
export function fragmentRows<T>(db: SqlExecutor, fragment: Prisma.Sql): Promise<T[]> {
  const strings = Object.assign([...fragment.strings], { raw: [...fragment.strings] }) as TemplateStringsArray;
  return db.rows<T>(strings, ...fragment.values);
}
