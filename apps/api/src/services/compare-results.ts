import { Prisma, type PrismaClient } from '@distillery/db';
import { describeSample, type RunConfig } from '@distillery/spec';
import type { Comparison, ComparisonPair, ComparisonSide, DifferenceStats } from '../schemas/comparison.ts';
import { type CompareQuery, compareDimensionPath } from '../schemas/result-filters.ts';
import { labelWithoutSeed } from './aggregate-results.ts';
import { analyticQuery } from './analytic-query.ts';
import { checkFilterTargets } from './check-filter-targets.ts';
import { configurationStatsSql } from './configurations-sql.ts';
import { describeConfig } from './describe-config.ts';
import { teamFactsSql } from './team-facts-sql.ts';

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

/** One configuration with the value it takes along the dimension and the context it shares with its partners. */
interface SideRecord {
  context: string;
  value: string;
  group: string;
  kind: string;
  dataset: string;
  teacherId: string | null;
  seeds: number[];
  runIds: string[];
  accuracies: number[];
  parameters: number;
  bytes: number;
  label: string;
  rep: string;
}

/** The most pairs an answer lists; the summary covers all of them. */
export const DEFAULT_COMPARE_PAIRS = 1000;

/**
 * `GET /v1/compare`: B against A along one dimension at otherwise equal configuration. Two configurations (runs
 * differing only by seed, sharing a teacher) pair when their configs are equal once the dimension's path and the
 * seed are removed and they share their teacher. Each pair gives B's mean accuracy minus A's; the summary is the
 * mean and spread of those paired differences. Within a pair, replicates with the same seed on both sides give
 * seed-paired differences too.
 *
 * The context is the representative run's config without the dimension (compared as jsonb: key order does not
 * matter) and the teacher, computed per configuration (not per run), in one statement that also counts the values
 * the dimension takes.
 */
export async function compareResults(db: PrismaClient, teamId: string, query: CompareQuery): Promise<Comparison> {
  await checkFilterTargets(db, teamId, query);
  const path = compareDimensionPath(query.dimension);
  const segments = path.split('.');
  const facts = teamFactsSql(teamId, query);
  let withoutDimension = Prisma.sql`(r.config #- ${segments}::text[]) - 'seed'`;
  for (const ignored of Object.hasOwn(ALSO_IGNORED, path) ? (ALSO_IGNORED[path] ?? []) : []) {
    withoutDimension = Prisma.sql`(${withoutDimension}) #- ${ignored}::text[]`;
  }
  const [answer] = await analyticQuery<{ sides: SideRecord[] | null; values: Comparison['values'] | null }>(
    db,
    Prisma.sql`WITH s AS (${configurationStatsSql(facts)}),
      v AS MATERIALIZED (
        SELECT s.*, ${valueLabelSql(Prisma.sql`(r.config #> ${segments}::text[])`)} AS value,
          ${withoutDimension} AS ctx, r.label
        FROM s JOIN runs r ON r.id = s.rep::uuid
      ),
      chosen AS (
        SELECT v.*, dense_rank() OVER (ORDER BY v.ctx, v.tkey)::text AS context FROM v
        WHERE v.value = ANY(${[query.a, query.b]}::text[])
      ),
      sides AS (
        SELECT c.context, c.value, c."group", c.kind, c.dataset, c."teacherId", c.parameters, c.bytes, c.label, c.rep,
          array_agg(m.seed) AS seeds, array_agg(m."runId"::text) AS "runIds", array_agg(m.accuracy) AS accuracies
        FROM chosen c JOIN (${facts}) m ON m."group" = c."group" AND m.tkey = c.tkey
        GROUP BY c.context, c.value, c."group", c.kind, c.dataset, c."teacherId", c.parameters, c.bytes, c.label, c.rep
      )
      SELECT (SELECT json_agg(sides) FROM sides) AS sides,
        (SELECT json_agg(c ORDER BY c.value) FROM (
          SELECT value, count(*)::int AS configurations FROM v GROUP BY value
        ) c) AS "values"`,
  );

  const byContext = new Map<string, { a: SideRecord[]; b: SideRecord[] }>();
  for (const side of answer?.sides ?? []) {
    const entry = byContext.get(side.context) ?? { a: [], b: [] };
    entry[side.value === query.a ? 'a' : 'b'].push(side);
    byContext.set(side.context, entry);
  }
  const matched: { a: SideRecord[]; b: SideRecord[] }[] = [];
  let unpairedA = 0;
  let unpairedB = 0;
  for (const entry of byContext.values()) {
    if (entry.a.length === 0) unpairedB += entry.b.length;
    else if (entry.b.length === 0) unpairedA += entry.a.length;
    else matched.push(entry);
  }
  const pairs = matched.map((m) => ({ a: toSide(m.a), b: toSide(m.b), first: m.a[0] as SideRecord }));
  pairs.sort((x, y) => x.a.bytes - y.a.bytes || x.first.group.localeCompare(y.first.group));
  const differences = pairs.map((p) => (p.b.accuracy.mean as number) - (p.a.accuracy.mean as number));

  // Only the listed pairs are described: one config per pair.
  const listed = pairs.slice(0, query.limit ?? DEFAULT_COMPARE_PAIRS);
  const reps = listed.map((p) => p.first.rep);
  const configs =
    reps.length === 0
      ? []
      : await db.$queryRaw<{ id: string; config: RunConfig }[]>(
          Prisma.sql`SELECT id::text AS id, config FROM runs WHERE id = ANY(${reps}::uuid[])`,
        );
  const configById = new Map(configs.map((c) => [c.id, c.config]));

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
    pairs: listed.map((p) => toPair(p, configById.get(p.first.rep), path)),
    unpaired: { a: unpairedA, b: unpairedB },
    values: answer?.values ?? [],
  };
}

interface Replicate {
  seed: number;
  runId: string;
  accuracy: number;
}

/**
 * One side of a pair: normally one configuration; several when equal values are spelled differently in stored
 * configs (`relu` and `{ name: relu }`), whose replicates are pooled.
 */
function toSide(configurations: SideRecord[]): ComparisonSide & { replicates: Replicate[] } {
  const first = configurations[0] as SideRecord;
  const replicates = configurations
    .flatMap((c) =>
      c.seeds.map((seed, i) => ({ seed, runId: c.runIds[i] as string, accuracy: c.accuracies[i] as number })),
    )
    .sort((x, y) => x.seed - y.seed || (x.runId < y.runId ? -1 : 1));
  const n = replicates.length;
  const weighted = (pick: (c: SideRecord) => number) =>
    configurations.reduce((sum, c) => sum + pick(c) * c.seeds.length, 0) / n;
  return {
    group: first.group,
    label: labelWithoutSeed(first.label),
    n,
    seeds: replicates.map((r) => r.seed),
    runIds: replicates.map((r) => r.runId),
    accuracy: describeSample(replicates.map((r) => r.accuracy)),
    parameters: weighted((c) => c.parameters),
    bytes: weighted((c) => c.bytes),
    replicates,
  };
}

function toPair(
  p: { a: ReturnType<typeof toSide>; b: ReturnType<typeof toSide>; first: SideRecord },
  config: RunConfig | undefined,
  path: string,
): ComparisonPair {
  const bBySeed = new Map<number, number>();
  for (const r of p.b.replicates) if (!bBySeed.has(r.seed)) bBySeed.set(r.seed, r.accuracy);
  const seedDifferences: number[] = [];
  const used = new Set<number>();
  for (const r of p.a.replicates) {
    const other = bBySeed.get(r.seed);
    if (other === undefined || used.has(r.seed)) continue;
    used.add(r.seed);
    seedDifferences.push(other - r.accuracy);
  }
  const { replicates: _a, ...a } = p.a;
  const { replicates: _b, ...b } = p.b;
  return {
    context: config === undefined ? '' : describeConfig(config, path),
    kind: p.first.kind,
    dataset: p.first.dataset,
    teacherId: p.first.teacherId,
    a,
    b,
    difference: (b.accuracy.mean as number) - (a.accuracy.mean as number),
    seedPaired: differenceStats(seedDifferences),
  };
}

/** Mean, sample std, standard error and range of differences. */
export function differenceStats(values: readonly number[]): DifferenceStats {
  if (values.length === 0) return { n: 0, mean: null, std: null, stderr: null, min: null, max: null };
  const { mean, std } = describeSample(values);
  return {
    n: values.length,
    mean,
    std,
    stderr: std === null ? null : std / Math.sqrt(values.length),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}
