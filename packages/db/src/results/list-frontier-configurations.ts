import { Prisma } from '../generated/client.ts';
import type { SqlExecutor } from '../store/sql-executor.ts';
import { analyticRows } from './analytic-rows.ts';
import type { ConfigurationRow } from './configuration-row.ts';
import { configurationsSql, teamConfigurationStatsSql } from './configurations-sql.ts';
import type { ResultFactFilters } from './result-fact-filters.ts';
import { teamFactsSql } from './team-facts-sql.ts';

/** A configuration on its data set's frontier, with how many configurations the data set has. */
export type FrontierConfigurationRow = ConfigurationRow & { configurations: number };

/**
 * Per data set, the team's configurations on the accuracy-versus-bytes Pareto frontier, computed on replicate
 * means (seeds are replicates: the frontier is drawn through configurations, not lucky seeds), ordered by data
 * set and size.
 *
 * A configuration is on the frontier when every configuration at most as large is strictly less accurate. In
 * SQL: order each data set by bytes (and accuracy, best first, among equal sizes) and keep a configuration when
 * its mean accuracy beats the running maximum of everything before it. Of equal points the first (by group
 * hash) stays.
 */
export async function listFrontierConfigurations(
  db: SqlExecutor,
  teamId: string,
  filters: ResultFactFilters,
): Promise<FrontierConfigurationRow[]> {
  const frontier = (configurations: Prisma.Sql) => Prisma.sql`
    SELECT *, row_number() OVER (ORDER BY dataset, bytes, "accuracyMean" DESC)::int AS ord
    FROM (
      SELECT c.*,
        max(c."accuracyMean") OVER (
          PARTITION BY c.dataset ORDER BY c.bytes ASC, c."accuracyMean" DESC, c."group", c.tkey
          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS "bestSmaller",
        count(*) OVER (PARTITION BY c.dataset)::int AS configurations
      FROM ${configurations} c
    ) ranked
    WHERE "bestSmaller" IS NULL OR "accuracyMean" > "bestSmaller"`;
  const facts = teamFactsSql(teamId, filters);
  return analyticRows<FrontierConfigurationRow>(
    db,
    configurationsSql(facts, frontier, teamConfigurationStatsSql(teamId, filters, facts)),
  );
}
