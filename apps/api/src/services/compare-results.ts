import { Prisma, prismaOf, type Store } from '@distillery/db';
import { ACTIVATION_OPTION_KEYS, comparisonVerdict, pairedComparison, type RunConfig } from '@distillery/spec';
import type { Comparison, ComparisonPair, ComparisonStratum, SeedPair } from '../schemas/comparison.ts';
import { type CompareQuery, compareDimensionPath } from '../schemas/result-filters.ts';
import { analyticQuery } from './analytic-query.ts';
import { checkFilterTargets } from './check-filter-targets.ts';
import { configurationStatsSql } from './configurations-sql.ts';
import { describeConfig } from './describe-config.ts';
import {
  type ConfigurationPair,
  pairConfigurations,
  quantizationLabel,
  type SideRecord,
} from './pair-configurations.ts';
import { teamFactsSql } from './team-facts-sql.ts';

/**
 * Dimensions that are the quantization itself. Comparing them pairs a float student with its quantized variants
 * (or two variants), which differ in more than the one field: their kind (student, quantize-ptq, quantize-qat)
 * and the rest of the `quantize` block (absent for float). The context then leaves out kind and the whole block,
 * and what remains of the block must match (see SideRecord.variant); a float configuration's bit width is 32.
 */
const QUANTIZATION_DIMENSIONS: Record<string, { field: string; float: string; qatDefault?: string }> = {
  'quantize.bits': { field: 'bits', float: '32' },
  'quantize.method': { field: 'method', float: 'none' },
  // A QAT run without a noise member is plain QAT, Quant-Noise at rate 1; PTQ and float runs have no rate.
  'quantize.noise': { field: 'noise', float: 'none', qatDefault: '1' },
};

/**
 * A value's label as results show it: strings and numbers as they are, `lma-8` for activations (whatever their
 * options, as activationLabel and the results' `activation` say), JSON otherwise.
 */
function valueLabelSql(value: Prisma.Sql): Prisma.Sql {
  const options = [...ACTIVATION_OPTION_KEYS];
  return Prisma.sql`CASE
      WHEN ${value} IS NULL OR jsonb_typeof(${value}) = 'null' THEN 'none'
      WHEN jsonb_typeof(${value}) IN ('string', 'number', 'boolean') THEN ${value} #>> '{}'
      WHEN jsonb_typeof(${value}) = 'object' AND ${value} ? 'name'
        AND ${value} - 'name' - 'segments' - ${options}::text[] = '{}'::jsonb
        THEN (${value} ->> 'name') || COALESCE('-' || (${value} ->> 'segments'), '')
      ELSE replace(${value}::text, ' ', '')
    END`;
}

/** The most configuration pairs an answer lists; the strata always cover all of them. */
export const DEFAULT_COMPARE_PAIRS = 1000;

/**
 * `GET /v1/compare`: B against A along one dimension, paired on seed. Two configurations (runs differing only by
 * seed, sharing a teacher) pair when their configs are equal once the dimension's path and the seed are removed
 * and they share their teacher configuration (tkey); within a pair, runs with the same seed pair (same initial weights and data order).
 * The paired t-test runs per quantization stratum over one pair per (configuration, seed): a student's float, 8-bit
 * and 4-bit variants share one training, so they are tested separately rather than counted as more pairs.
 *
 * The context is the representative run's config without the dimension (compared as jsonb: key order does not
 * matter) and the teacher, computed per configuration (not per run), in one statement that also counts the values
 * the dimension takes.
 */
export async function compareResults(db: Store, teamId: string, query: CompareQuery): Promise<Comparison> {
  await checkFilterTargets(db, teamId, query);
  const path = compareDimensionPath(query.dimension);
  const segments = path.split('.');
  const facts = teamFactsSql(teamId, query);
  const quantization = Object.hasOwn(QUANTIZATION_DIMENSIONS, path) ? QUANTIZATION_DIMENSIONS[path] : undefined;
  // A PTQ run's config has no training (it does not train); its parent's, the float student's, is the one that
  // tells PTQ variants of differently trained students apart, both in the context and as the value along a
  // training dimension (`train.epochs`: the PTQ variant of a 3-epoch student is at 3).
  const config = Prisma.sql`(CASE WHEN r.kind = 'quantize-ptq' AND p.config IS NOT NULL
      THEN jsonb_set(r.config, '{train}', p.config -> 'train') ELSE r.config END)`;
  const value =
    quantization === undefined
      ? valueLabelSql(Prisma.sql`(${config} #> ${segments}::text[])`)
      : Prisma.sql`COALESCE(r.config #>> ${segments}::text[],
          CASE WHEN r.config #>> '{quantize,method}' = 'qat' THEN ${quantization.qatDefault ?? null}::text END,
          ${quantization.float})`;
  const ctx =
    quantization === undefined
      ? Prisma.sql`(${config} #- ${segments}::text[]) - 'seed'`
      : Prisma.sql`${config} - 'seed' - 'kind' - 'quantize'`;
  const variant =
    quantization === undefined
      ? Prisma.sql`(r.config -> 'quantize')`
      : Prisma.sql`NULLIF(r.config -> 'quantize', 'null'::jsonb) - ${quantization.field}::text`;
  const [answer] = await analyticQuery<{ sides: SideRecord[] | null; values: Comparison['values'] | null }>(
    db,
    Prisma.sql`WITH s AS (${configurationStatsSql(facts)}),
      v AS MATERIALIZED (
        SELECT s.*, ${value} AS value, ${ctx} AS ctx, ${variant} AS variant,
          NULLIF(r.config -> 'quantize', 'null'::jsonb) AS quantize, r.label
        FROM s JOIN runs r ON r.id = s.rep::uuid LEFT JOIN runs p ON p.id = r.parent_id
      ),
      chosen AS (
        SELECT v.*, dense_rank() OVER (ORDER BY v.ctx, v.tkey)::text AS context FROM v
        WHERE v.value = ANY(${[query.a, query.b]}::text[])
      ),
      sides AS (
        SELECT c.context, c.value, c.variant, c.quantize, c."group", c.kind, c.dataset, c."teacherId", c.parameters,
          c.bytes, c.label, c.rep,
          array_agg(m.seed) AS seeds, array_agg(m."runId"::text) AS "runIds", array_agg(m.accuracy) AS accuracies
        FROM chosen c JOIN (${facts}) m ON m."group" = c."group" AND m.tkey = c.tkey
        GROUP BY c.context, c.value, c.variant, c.quantize, c."group", c.kind, c.dataset, c."teacherId",
          c.parameters, c.bytes, c.label, c.rep
      )
      SELECT (SELECT json_agg(sides) FROM sides) AS sides,
        (SELECT json_agg(c ORDER BY c.value) FROM (
          SELECT value, count(*)::int AS configurations FROM v GROUP BY value
        ) c) AS "values"`,
  );

  const { pairs, unpaired } = pairConfigurations(answer?.sides ?? [], query.a);
  const labels = { a: query.b, b: query.a };
  const strata = toStrata(pairs, labels);
  const stratumLabel = new Map(strata.map((s) => [s.key, s.label]));

  // Only the listed pairs are described: one config per pair.
  const listed = pairs.slice(0, query.limit ?? DEFAULT_COMPARE_PAIRS);
  const reps = listed.map((p) => p.first.rep);
  const configs =
    reps.length === 0
      ? []
      : await prismaOf(db).$queryRaw<{ id: string; config: RunConfig }[]>(
          Prisma.sql`SELECT id::text AS id, config FROM runs WHERE id = ANY(${reps}::uuid[])`,
        );
  const configById = new Map(configs.map((c) => [c.id, c.config]));
  const omit = quantization === undefined ? [path] : ['kind', 'quantize'];

  return {
    dimension: query.dimension,
    path,
    a: query.a,
    b: query.b,
    pairing:
      `Runs pair when they have the same seed and their configurations differ only in ${query.dimension} ` +
      '(same data set, model, training, distillation and teacher' +
      (quantization === undefined ? ', and quantization' : '') +
      '), each run used once: one pair per (configuration, seed). Differences are B − A in accuracy. Each ' +
      'quantization is a separate stratum with its own paired t-test (95% CI, two-sided p), because float and ' +
      'quantized variants of one student share their training and are not independent pairs.',
    strata: strata.map(({ key: _key, ...s }) => s),
    pairs: listed.map((p) =>
      toPair(p, configById.get(p.first.rep), omit, stratumLabel.get(p.stratumKey) ?? '', labels),
    ),
    unpaired,
    values: answer?.values ?? [],
  };
}

/** B − A per seed pair, as pairedComparison takes it (its a − b). */
function differencesOf(seedPairs: readonly SeedPair[]) {
  return seedPairs.map((p) => ({ a: p.b, b: p.a }));
}

/** One stratum per pair of quantizations, in the order the pairs come; labels made unique. */
function toStrata(
  pairs: readonly ConfigurationPair[],
  labels: { a: string; b: string },
): (ComparisonStratum & { key: string })[] {
  const byKey = new Map<string, ConfigurationPair[]>();
  for (const p of pairs) byKey.set(p.stratumKey, [...(byKey.get(p.stratumKey) ?? []), p]);
  const label = (key: string, details: boolean) => {
    const [qa, qb] = JSON.parse(key) as [
      Parameters<typeof quantizationLabel>[0],
      Parameters<typeof quantizationLabel>[0],
    ];
    const la = quantizationLabel(qa, details);
    const lb = quantizationLabel(qb, details);
    return la === lb ? la : `${la} vs ${lb}`;
  };
  const short = [...byKey.keys()].map((k) => label(k, false));
  return [...byKey].map(([key, members], i) => {
    const test = pairedComparison(differencesOf(members.flatMap((m) => m.seedPairs)));
    const ambiguous = short.filter((l) => l === short[i]).length > 1;
    return {
      key,
      label: label(key, ambiguous),
      configurations: members.length,
      test,
      verdict: comparisonVerdict(test, labels),
    };
  });
}

function toPair(
  p: ConfigurationPair,
  config: RunConfig | undefined,
  omit: string[],
  stratum: string,
  labels: { a: string; b: string },
): ComparisonPair {
  const test = pairedComparison(differencesOf(p.seedPairs));
  return {
    context: config === undefined ? '' : describeConfig(config, omit),
    stratum,
    kind: p.first.kind,
    dataset: p.first.dataset,
    teacherId: p.first.teacherId,
    a: p.a,
    b: p.b,
    difference: p.b.accuracy.mean - p.a.accuracy.mean,
    seedPairs: p.seedPairs,
    test,
    verdict: comparisonVerdict(test, labels),
  };
}
