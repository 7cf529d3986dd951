import { Prisma, type PrismaClient } from '@distillery/db';
import { MAX_RESULTS_EXPORT, type ResultsQuery } from '../schemas/result-filters.ts';

export const DEFAULT_RESULTS_PAGE = 100;

/** JSON pages default to 100 items; a CSV export is everything that matches unless a limit is given. */
export function resultsPageSize(query: Pick<ResultsQuery, 'limit' | 'format'>): number {
  return query.limit ?? (query.format === 'csv' ? MAX_RESULTS_EXPORT : DEFAULT_RESULTS_PAGE);
}

/** Rows of a query (for the total of a page past the end, where the window count has no row to ride on). */
export async function countRows(db: PrismaClient, query: Prisma.Sql): Promise<number> {
  const [row] = await db.$queryRaw<{ total: number }[]>(Prisma.sql`SELECT count(*)::int AS total FROM (${query}) q`);
  return row?.total ?? 0;
}
