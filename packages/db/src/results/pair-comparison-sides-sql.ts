import { Prisma } from '../generated/client.ts';
import { pairComparisonPoolsSql } from './pair-comparison-pools-sql.ts';
import { poolComparisonSidesSql } from './pool-comparison-sides-sql.ts';

/**
 * The pooling and pairing of a comparison, in the database, from one row per configuration: the further common
 * table expressions and the final SELECT of a statement whose earlier ones name `sides` (the configurations taking
 * A or B, their replicates in run id order) and `v` (every configuration with its `value`, for the counts of
 * values), as poolComparisonSidesSql reads them; the answer is pairComparisonPoolsSql's.
 */
export function pairComparisonSidesSql(a: string, limit: number, descriptions: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`${poolComparisonSidesSql(a)}${pairComparisonPoolsSql(limit, descriptions)}`;
}
