import { Prisma, type PrismaClient } from '@distillery/db';
import type { RunConfig } from '@distillery/spec';
import type { Comparison, ComparisonPair, ComparisonSide, DifferenceStats } from '../schemas/comparison.ts';
import { COMPARE_DIMENSIONS, type CompareQuery } from '../schemas/result-filters.ts';
import { labelWithoutSeed, meanStd } from './aggregate-results.ts';
import { checkFilterTargets } from './check-filter-targets.ts';
import { describeConfig } from './describe-config.ts';
import { teamResultRowsSql } from './team-results-sql.ts';

/**
 * Config paths left out of the "otherwise equal" context besides the dimension itself. PTQ and QAT runs differ in
 * kind and training by construction (PTQ does not train), so comparing methods ignores both.
 */
const ALSO_IGNORED: Record<string, string[][]> = { 'quantize.method': [['kind'], ['train']] };

/** A value's label as results show it: strings and numbers as they are, `lma-8` for activations, JSON otherwise. */
function valueLabelSql(value: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`CASE
      WHEN ${value} IS NULL OR jsonb_typeof(${value}) = 'null' THEN 'none'
      WHEN jsonb_typeof(${value}) IN ('string', 'number', 'boolean') THEN ${value} #>> '{}'
      WHEN jsonb_typeof(${value}) = 'object' AND ${value} ? 'name' AND ${value} - 'name' - 'segments' = '{}'::jsonb
        THEN (${value} ->> 'name') || COALESCE('-' || (${value} ->> 'segments'), '')
      ELSE replace(${value}::text, ' ', '')
    END`;
}

interface SideRecord {
  context: string;
  value: string;
  group: string;
  label: string;
  kind: string;
  dataset: string;
  teacherId: string | null;
  n: number;
  seeds: number[];
  runIds: string[];
  accuracies: number[];
  accuracyMean: number;
  accuracyStd: number | null;
  parameters: number;
  bytes: number;
  config: RunConfig;
}

/**
 * `GET /v1/compare`: B against A along one dimension at otherwise equal configuration. Two configurations pair when
 * their configs are equal once the dimension's path (and the seed) is removed and they share their teacher. Each
 * pair gives B's mean accuracy minus A's; the summary is the mean and spread of those paired differences. Within a
 * pair, replicates with the same seed on both sides give seed-paired differences too.
 */
export async function compareResults(db: PrismaClient, teamId: string, query: CompareQuery): Promise<Comparison> {
  await checkFilterTargets(db, teamId, query);
  const path = COMPARE_DIMENSIONS[query.dimension as keyof typeof COMPARE_DIMENSIONS] ?? query.dimension;
  const segments = path.split('.');
  let withoutDimension = Prisma.sql`(t.config #- ${segments}::text[]) - 'seed'`;
  for (const ignored of ALSO_IGNORED[path] ?? []) {
    withoutDimension = Prisma.sql`(${withoutDimension}) #- ${ignored}::text[]`;
  }
  const values = Prisma.sql`
    WITH t AS (${teamResultRowsSql(teamId, query)})
    SELECT t.*, ${valueLabelSql(Prisma.sql`(t.config #> ${segments}::text[])`)} AS value,
      md5((${withoutDimension})::text) || ':' || COALESCE(t."teacherId"::text, '') AS context
    FROM t`;

  const [sides, counts] = await Promise.all([
    db.$queryRaw<SideRecord[]>(Prisma.sql`
      SELECT context, value, min("group") AS "group", min(label) AS label, min(kind) AS kind, min(dataset) AS dataset,
        min("teacherId"::text) AS "teacherId", count(*)::int AS n,
        array_agg(seed ORDER BY seed, "runId") AS seeds,
        array_agg("runId"::text ORDER BY seed, "runId") AS "runIds",
        array_agg(accuracy ORDER BY seed, "runId") AS accuracies,
        avg(accuracy)::float8 AS "accuracyMean", stddev_samp(accuracy)::float8 AS "accuracyStd",
        avg(parameters)::float8 AS parameters, avg(bytes)::float8 AS bytes,
        (array_agg(config ORDER BY seed, "runId"))[1] AS config
      FROM (${values}) v WHERE value = ANY(${[query.a, query.b]}::text[])
      GROUP BY context, value`),
    db.$queryRaw<{ value: string; configurations: number }[]>(Prisma.sql`
      SELECT value, count(DISTINCT (context, value))::int AS configurations FROM (${values}) v
      GROUP BY value ORDER BY value`),
  ]);

  const byContext = new Map<string, { a?: SideRecord; b?: SideRecord }>();
  for (const side of sides) {
    const entry = byContext.get(side.context) ?? {};
    entry[side.value === query.a ? 'a' : 'b'] = side;
    byContext.set(side.context, entry);
  }
  const pairs: ComparisonPair[] = [];
  let unpairedA = 0;
  let unpairedB = 0;
  for (const { a, b } of byContext.values()) {
    if (a === undefined) unpairedB++;
    else if (b === undefined) unpairedA++;
    else pairs.push(toPair(a, b, path));
  }
  pairs.sort((x, y) => x.a.bytes - y.a.bytes || x.context.localeCompare(y.context));

  const differences = pairs.map((p) => p.difference);
  return {
    dimension: query.dimension,
    path,
    a: query.a,
    b: query.b,
    summary: {
      ...differenceStats(differences),
      bBetter: differences.filter((d) => d > 0).length,
      aBetter: differences.filter((d) => d < 0).length,
      ties: differences.filter((d) => d === 0).length,
    },
    pairs,
    unpaired: { a: unpairedA, b: unpairedB },
    values: counts,
  };
}

function toSide(s: SideRecord): ComparisonSide {
  return {
    group: s.group,
    label: labelWithoutSeed(s.label),
    n: s.n,
    seeds: s.seeds,
    runIds: s.runIds,
    accuracy: { mean: s.accuracyMean, std: s.accuracyStd },
    parameters: s.parameters,
    bytes: s.bytes,
  };
}

function toPair(a: SideRecord, b: SideRecord, path: string): ComparisonPair {
  const bBySeed = new Map<number, number>();
  b.seeds.forEach((seed, i) => {
    if (!bBySeed.has(seed)) bBySeed.set(seed, b.accuracies[i] as number);
  });
  const seedDifferences: number[] = [];
  const used = new Set<number>();
  a.seeds.forEach((seed, i) => {
    const other = bBySeed.get(seed);
    if (other === undefined || used.has(seed)) return;
    used.add(seed);
    seedDifferences.push(other - (a.accuracies[i] as number));
  });
  return {
    context: describeConfig(a.config, path),
    kind: a.kind,
    dataset: a.dataset,
    teacherId: a.teacherId,
    a: toSide(a),
    b: toSide(b),
    difference: b.accuracyMean - a.accuracyMean,
    seedPaired: differenceStats(seedDifferences),
  };
}

/** Mean, sample std, standard error and range of differences. */
export function differenceStats(values: readonly number[]): DifferenceStats {
  if (values.length === 0) return { n: 0, mean: null, std: null, stderr: null, min: null, max: null };
  const { mean, std } = meanStd(values);
  return {
    n: values.length,
    mean,
    std,
    stderr: std === null ? null : std / Math.sqrt(values.length),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}
