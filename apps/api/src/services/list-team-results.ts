import { Prisma, type PrismaClient } from '@distillery/db';
import type { RunConfig, RunKind } from '@distillery/spec';
import { iso } from '../lib/iso.ts';
import type { QuantizeMethod, ResultSort, ResultsQuery } from '../schemas/result-filters.ts';
import type { ConfigurationResult, ConfigurationResultList } from '../schemas/team-results.ts';
import { labelWithoutSeed } from './aggregate-results.ts';
import { checkFilterTargets } from './check-filter-targets.ts';
import { describeConfig } from './describe-config.ts';
import { countRows, resultsPageSize } from './results-page-size.ts';
import { teamResultRowsSql } from './team-results-sql.ts';

/** A configuration as the aggregate query returns it. */
export interface ConfigurationRecord {
  group: string;
  teacherId: string | null;
  kind: string;
  label: string;
  dataset: string;
  family: string;
  activation: string;
  method: string;
  bits: number;
  n: number;
  seeds: number[];
  runIds: string[];
  sweepIds: string[];
  accuracyMean: number;
  accuracyStd: number | null;
  lossMean: number;
  lossStd: number | null;
  parameters: number;
  bytes: number;
  latestAt: Date;
  config: RunConfig;
}

/**
 * Replicates aggregated in SQL: the same numbers as `aggregateResults` (mean, sample std, n; a test holds them
 * equal), computed where the rows are, so 100,000 results never travel to the API. A configuration is a
 * `groupHash` (the config without its seed) and the teacher the runs were distilled from.
 */
export function configurationsSql(rows: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`WITH t AS (${rows})
    SELECT "group", "teacherId"::text AS "teacherId",
      min(kind) AS kind, min(label) AS label, min(dataset) AS dataset, min(family) AS family,
      min(activation) AS activation, min(method) AS method, min(bits)::int AS bits, count(*)::int AS n,
      array_agg(seed ORDER BY seed, "runId") AS seeds,
      array_agg("runId"::text ORDER BY seed, "runId") AS "runIds",
      array_agg(DISTINCT "sweepId"::text) AS "sweepIds",
      avg(accuracy)::float8 AS "accuracyMean", stddev_samp(accuracy)::float8 AS "accuracyStd",
      avg(loss)::float8 AS "lossMean", stddev_samp(loss)::float8 AS "lossStd",
      avg(parameters)::float8 AS parameters, avg(bytes)::float8 AS bytes, max("createdAt") AS "latestAt",
      (array_agg(config ORDER BY seed, "runId"))[1] AS config
    FROM t GROUP BY "group", "teacherId"`;
}

export function toConfigurationResult(c: ConfigurationRecord): ConfigurationResult {
  return {
    group: c.group,
    label: labelWithoutSeed(c.label),
    kind: c.kind as RunKind,
    dataset: c.dataset as ConfigurationResult['dataset'],
    family: c.family,
    activation: c.activation,
    method: c.method as QuantizeMethod,
    bits: c.bits,
    teacherId: c.teacherId,
    description: describeConfig(c.config),
    n: c.n,
    seeds: c.seeds,
    runIds: c.runIds,
    sweepIds: c.sweepIds,
    accuracy: { mean: c.accuracyMean, std: c.accuracyStd },
    loss: { mean: c.lossMean, std: c.lossStd },
    parameters: c.parameters,
    bytes: c.bytes,
    latestAt: iso(c.latestAt),
  };
}

const ORDER: Record<ResultSort, Prisma.Sql> = {
  '-accuracy': Prisma.sql`"accuracyMean" DESC`,
  accuracy: Prisma.sql`"accuracyMean" ASC`,
  bytes: Prisma.sql`bytes ASC`,
  '-bytes': Prisma.sql`bytes DESC`,
  parameters: Prisma.sql`parameters ASC`,
  '-parameters': Prisma.sql`parameters DESC`,
  '-n': Prisma.sql`n DESC`,
  n: Prisma.sql`n ASC`,
  '-created': Prisma.sql`"latestAt" DESC`,
  created: Prisma.sql`"latestAt" ASC`,
};

/** `GET /v1/results`: the team's configurations (replicates aggregated), filtered, sorted, one page. */
export async function listTeamResults(
  db: PrismaClient,
  teamId: string,
  query: ResultsQuery,
): Promise<ConfigurationResultList> {
  await checkFilterTargets(db, teamId, query);
  const limit = resultsPageSize(query);
  const grouped = configurationsSql(teamResultRowsSql(teamId, query));
  const records = await db.$queryRaw<(ConfigurationRecord & { total: number })[]>(Prisma.sql`
    SELECT *, count(*) OVER ()::int AS total FROM (${grouped}) g
    ORDER BY ${ORDER[query.sort]}, "group", "teacherId" NULLS FIRST LIMIT ${limit} OFFSET ${query.offset}`);
  const total = records[0]?.total ?? (query.offset === 0 ? 0 : await countRows(db, grouped));
  return { total, limit, offset: query.offset, items: records.map(toConfigurationResult) };
}
