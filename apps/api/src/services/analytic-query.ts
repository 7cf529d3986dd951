import { type Prisma, prismaOf, type Store } from '@distillery/db';

/**
 * Memory for one analytic statement's hashes and sorts. PostgreSQL's default (4 MB) makes grouping 100,000
 * results spill to disk (bench/results/results-queries.md); 64 MB keeps it in memory. Scoped to the statement's
 * own transaction (`SET LOCAL`): other queries on the pool keep the server's setting.
 */
export const ANALYTIC_WORK_MEM = '64MB';

/** Runs one read-only analytic statement with {@link ANALYTIC_WORK_MEM}. */
export async function analyticQuery<T>(db: Store, sql: Prisma.Sql): Promise<T[]> {
  return prismaOf(db).$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL work_mem = '${ANALYTIC_WORK_MEM}'`);
      return tx.$queryRaw<T[]>(sql);
    },
    { maxWait: 10_000, timeout: 120_000 },
  );
}
