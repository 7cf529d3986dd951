import { Prisma } from '../generated/client.ts';
import type { SqlExecutor } from '../store/sql-executor.ts';
import { analyticRows } from './analytic-rows.ts';
import type { ConfigurationRow } from './configuration-row.ts';
import { configurationsSql, teamConfigurationStatsSql } from './configurations-sql.ts';
import type { ResultFactFilters } from './result-fact-filters.ts';
import { storedConfigurationStatsSql } from './stored-configuration-stats-sql.ts';
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
 *
 * The `configuration_stats` read model keeps exactly this frontier of every data set (`on_frontier`, recomputed by
 * its trigger when a change reaches the frontier), so without filters, or filtered by data set only, the points are
 * read rather than computed; other filters change which configurations compete, so the frontier is then computed
 * over the filtered configurations.
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
  const stored = storedFrontierSql(teamId, filters);
  if (stored !== null)
    return analyticRows<FrontierConfigurationRow>(db, configurationsSql(facts, stored.chosen, stored.stats));
  return analyticRows<FrontierConfigurationRow>(
    db,
    configurationsSql(facts, frontier, teamConfigurationStatsSql(teamId, filters, facts)),
  );
}

/** The stored frontier's points, when the filters leave every configuration of the data sets they keep. */
function storedFrontierSql(
  teamId: string,
  filters: ResultFactFilters,
): { stats: Prisma.Sql; chosen: (configurations: Prisma.Sql) => Prisma.Sql } | null {
  const { dataset, ...others } = filters as Record<string, unknown>;
  const narrowing = Object.keys(FRONTIER_FILTERS).some((k) => k !== 'dataset' && others[k] !== undefined);
  if (narrowing) return null;
  const stats = storedConfigurationStatsSql(teamId, { dataset: filters.dataset }, [Prisma.sql`c.on_frontier`]);
  if (stats === null) return null;
  const chosen = (configurations: Prisma.Sql) => Prisma.sql`
    SELECT c.*, row_number() OVER (ORDER BY c.dataset, c.bytes, c."accuracyMean" DESC)::int AS ord,
      k.configurations
    FROM ${configurations} c
    JOIN (
      SELECT k.dataset, count(*)::int AS configurations FROM configuration_stats k
      WHERE k.team_id = ${teamId}::uuid GROUP BY k.dataset
    ) k ON k.dataset = c.dataset`;
  return { stats, chosen };
}

/** Every filter (a record over the type, so a new one must be placed): only `dataset` keeps the stored frontier. */
const FRONTIER_FILTERS: Record<keyof ResultFactFilters, true> = {
  dataset: true,
  family: true,
  method: true,
  kind: true,
  activation: true,
  teacher: true,
  dataSource: true,
  bits: true,
  maxBytes: true,
  minAccuracy: true,
  sweep: true,
  tag: true,
};
