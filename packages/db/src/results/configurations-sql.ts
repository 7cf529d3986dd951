import { Prisma } from '../generated/client.ts';
import type { ResultFactFilters } from './result-fact-filters.ts';
import { storedConfigurationStatsSql } from './stored-configuration-stats-sql.ts';

/**
 * Replicates aggregated: one row per configuration — the team's results sharing a `groupHash` (the config
 * without its seed) and a teacher configuration (tkey, the teacher's identity) — with n, mean and sample std (n − 1) of accuracy and loss (for sorting and the frontier; the reported statistics are
 * recomputed from the replicates by describeSample), mean size, the newest
 * result's time and a representative run (the smallest id) whose label and config describe the configuration.
 * The numbers are `aggregateResults`'s (a test holds them equal), computed where the rows are.
 *
 * `facts` is teamFactsSql (or a query with its columns).
 */
export function configurationStatsSql(facts: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
  SELECT f."group", f.tkey, min(f."teacherId"::text COLLATE "C") AS "teacherId", min(f.dataset COLLATE "C") AS dataset,
    min(f.kind COLLATE "C") AS kind,
    count(*)::int AS n,
    avg(f.accuracy)::float8 AS "accuracyMean", stddev_samp(f.accuracy)::float8 AS "accuracyStd",
    avg(f.loss)::float8 AS "lossMean", stddev_samp(f.loss)::float8 AS "lossStd",
    avg(f.parameters)::float8 AS parameters, avg(f.bytes)::float8 AS bytes,
    max(f."createdAt") AS "latestAt", min(f."runId"::text COLLATE "C") AS rep
  FROM (${facts}) f GROUP BY f."group", f.tkey`;
}

/**
 * Chosen configurations with their replicates, one row per configuration in `ord` order. `chosen` is given the
 * relation of configurations (`stats`: configurationStatsSql over `facts` unless the caller has them stored, see
 * teamConfigurationStatsSql) to select from, and gives every row an `ord`. The replicates (seeds, run and sweep
 * ids, accuracies, losses, sizes: aligned arrays, in no order) are gathered for the chosen configurations only, by a
 * second read of the facts (through the (team_id, group_hash) index when few are chosen) rather than by
 * materializing the first; the representative run gives the label and config.
 */
export function configurationsSql(
  facts: Prisma.Sql,
  chosen: (configurations: Prisma.Sql) => Prisma.Sql,
  stats: Prisma.Sql = configurationStatsSql(facts),
): Prisma.Sql {
  // LATERAL: one index lookup per chosen configuration. The planner cannot know how few are chosen (a page, the
  // frontier) and would otherwise sort or hash every fact of the team to join them; OFFSET 0 keeps it from
  // flattening the lookups into such a join (it did, for the frontier: a hash of every fact for 24 points).
  return Prisma.sql`WITH s AS (${stats}),
    g AS (${chosen(Prisma.raw('s'))})
    SELECT g.*, members.seeds, members."runIds", members."sweepIds", members.accuracies, members.losses, members.sizes,
      rep.family, rep.activation, rep.method, rep.bits, r.label, r.config, r."studentTrain"
    FROM g
    CROSS JOIN LATERAL (
      SELECT array_agg(m.seed) AS seeds, array_agg(m."runId"::text) AS "runIds",
        array_agg(m."sweepId"::text) AS "sweepIds", array_agg(m.accuracy) AS accuracies,
        array_agg(m.loss) AS losses, array_agg(m.bytes) AS sizes
      FROM (${facts}) m WHERE m."groupKey" = g."group" COLLATE "default" AND m.tkey = g.tkey
    ) members
    CROSS JOIN LATERAL (
      SELECT f.family, f.activation, f.method, f.bits FROM result_facts f WHERE f.run_id = g.rep::uuid OFFSET 0
    ) rep
    CROSS JOIN LATERAL (
      SELECT x.label, x.config, (SELECT s.config->'train' FROM runs s WHERE s.id = x.parent_id AND x.kind = 'quantize-ptq')
        AS "studentTrain"
      FROM runs x WHERE x.id = g.rep::uuid OFFSET 0
    ) r
    ORDER BY g.ord`;
}

/**
 * The team's configurations under the filters: read from the `configuration_stats` read model when the filters
 * take whole configurations (storedConfigurationStatsSql), else grouped from the filtered facts. Either way the
 * same columns and numbers (a test holds them equal).
 */
export function teamConfigurationStatsSql(teamId: string, filters: ResultFactFilters, facts: Prisma.Sql): Prisma.Sql {
  return storedConfigurationStatsSql(teamId, filters) ?? configurationStatsSql(facts);
}
