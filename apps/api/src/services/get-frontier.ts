import { Prisma, type Store } from '@distillery/db';
import type { Frontier } from '../schemas/frontier.ts';
import type { FrontierQuery } from '../schemas/result-filters.ts';
import { analyticQuery } from './analytic-query.ts';
import { type ConfigurationRecord, replicatesOf, toConfigurationResult } from './assemble-configurations.ts';
import { checkFilterTargets } from './check-filter-targets.ts';
import { configurationsSql } from './configurations-sql.ts';
import { teamFactsSql } from './team-facts-sql.ts';

/**
 * `GET /v1/frontier`: per data set, the configurations on the accuracy-versus-bytes Pareto frontier, computed on
 * replicate means (seeds are replicates: the frontier is drawn through configurations, not lucky seeds).
 *
 * A configuration is on the frontier when every configuration at most as large is strictly less accurate. In
 * SQL: order each data set by bytes (and accuracy, best first, among equal sizes) and keep a configuration when
 * its mean accuracy beats the running maximum of everything before it. Of equal points the first (by group
 * hash) stays.
 */
export async function getFrontier(db: Store, teamId: string, query: FrontierQuery): Promise<Frontier> {
  await checkFilterTargets(db, teamId, query);
  const frontier = Prisma.sql`SELECT *, row_number() OVER (ORDER BY dataset, bytes, "accuracyMean" DESC)::int AS ord
    FROM (
      SELECT s.*,
        max(s."accuracyMean") OVER (
          PARTITION BY s.dataset ORDER BY s.bytes ASC, s."accuracyMean" DESC, s."group", s.tkey
          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS "bestSmaller",
        count(*) OVER (PARTITION BY s.dataset)::int AS configurations
      FROM s
    ) ranked
    WHERE "bestSmaller" IS NULL OR "accuracyMean" > "bestSmaller"`;
  const rows = await analyticQuery<ConfigurationRecord & { configurations: number }>(
    db,
    configurationsSql(teamFactsSql(teamId, query), frontier),
  );
  const datasets = new Map<string, Frontier['datasets'][number]>();
  for (const row of rows) {
    const runs = replicatesOf(row);
    const point = { ...toConfigurationResult(row, runs), runs };
    let entry = datasets.get(point.dataset);
    if (entry === undefined) {
      entry = { dataset: point.dataset, configurations: row.configurations, points: [] };
      datasets.set(point.dataset, entry);
    }
    entry.points.push(point);
  }
  return { datasets: [...datasets.values()] };
}
