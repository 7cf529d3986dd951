import { Prisma, type PrismaClient } from '@distillery/db';
import type { Frontier, FrontierRun } from '../schemas/frontier.ts';
import type { FrontierQuery } from '../schemas/result-filters.ts';
import { checkFilterTargets } from './check-filter-targets.ts';
import { type ConfigurationRecord, configurationsSql, toConfigurationResult } from './list-team-results.ts';
import { teamResultRowsSql } from './team-results-sql.ts';

/**
 * `GET /v1/frontier`: per data set, the configurations on the accuracy-versus-bytes Pareto frontier, computed on
 * replicate means (seeds are replicates: the frontier is drawn through configurations, not lucky seeds).
 *
 * A configuration is on the frontier when every configuration at most as large is strictly less accurate. In
 * SQL: order each data set by bytes (and accuracy, best first, among equal sizes) and keep a point when its mean
 * accuracy beats the running maximum of everything before it. Equal points keep the first (by group hash).
 */
export async function getFrontier(db: PrismaClient, teamId: string, query: FrontierQuery): Promise<Frontier> {
  await checkFilterTargets(db, teamId, query);
  const grouped = configurationsSql(teamResultRowsSql(teamId, query));
  const points = await db.$queryRaw<(ConfigurationRecord & { configurations: number })[]>(Prisma.sql`
    WITH g AS (${grouped}),
    ranked AS (
      SELECT g.*,
        max("accuracyMean") OVER (
          PARTITION BY dataset ORDER BY bytes ASC, "accuracyMean" DESC, "group", "teacherId" NULLS FIRST
          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS "bestSmaller",
        count(*) OVER (PARTITION BY dataset)::int AS configurations
      FROM g
    )
    SELECT * FROM ranked WHERE "bestSmaller" IS NULL OR "accuracyMean" > "bestSmaller"
    ORDER BY dataset, bytes, "accuracyMean" DESC`);

  const runIds = points.flatMap((p) => p.runIds);
  const runs =
    runIds.length === 0
      ? []
      : await db.$queryRaw<(FrontierRun & { runId: string })[]>(Prisma.sql`
          SELECT r.id::text AS "runId", r.sweep_id::text AS "sweepId", (r.config ->> 'seed')::int AS seed,
            res.accuracy, res.bytes
          FROM runs r JOIN results res ON res.run_id = r.id
          WHERE r.team_id = ${teamId}::uuid AND r.id = ANY(${runIds}::uuid[])`);
  const runById = new Map(runs.map((r) => [r.runId, r]));

  const datasets = new Map<string, Frontier['datasets'][number]>();
  for (const point of points) {
    let entry = datasets.get(point.dataset);
    if (entry === undefined) {
      entry = {
        dataset: point.dataset as Frontier['datasets'][number]['dataset'],
        configurations: point.configurations,
        points: [],
      };
      datasets.set(point.dataset, entry);
    }
    entry.points.push({
      ...toConfigurationResult(point),
      runs: point.runIds.flatMap((id) => {
        const run = runById.get(id);
        return run === undefined ? [] : [run];
      }),
    });
  }
  return { datasets: [...datasets.values()] };
}
