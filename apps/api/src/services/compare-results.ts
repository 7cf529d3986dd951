import {
  type ComparisonPairRow,
  type ComparisonSideRow,
  type ComparisonStratumRow,
  compareConfigurations,
  readRunConfigs,
  type Store,
} from '@distillery/db';
import { comparisonVerdict, describeSample, pairedComparison, type RunConfig } from '@distillery/spec';
import type { Comparison, ComparisonPair, ComparisonSide, ComparisonStratum, SeedPair } from '../schemas/comparison.ts';
import { type CompareQuery, compareDimensionPath } from '../schemas/result-filters.ts';
import { labelWithoutSeed } from './aggregate-results.ts';
import { checkFilterTargets } from './check-filter-targets.ts';
import { describeConfig } from './describe-config.ts';
import { quantizationLabel } from './quantization-label.ts';

/**
 * Dimensions that are the quantization itself. Comparing them pairs a float student with its quantized variants
 * (or two variants), which differ in more than the one field: their kind (student, quantize-ptq, quantize-qat)
 * and the rest of the `quantize` block (absent for float). The context then leaves out kind and the whole block,
 * and what remains of the block must match (see ComparisonQuery.quantization); a float configuration's bit width
 * is 32.
 */
const QUANTIZATION_DIMENSIONS: Record<string, { field: string; float: string; qatDefault?: string }> = {
  'quantize.bits': { field: 'bits', float: '32' },
  'quantize.method': { field: 'method', float: 'none' },
  // A QAT run without a noise member is plain QAT, Quant-Noise at rate 1; PTQ and float runs have no rate; a pq
  // run's is its proxy noise.
  'quantize.noise': { field: 'noise', float: 'none', qatDefault: '1' },
};

/**
 * The most configuration pairs an answer lists unless `limit` says otherwise; the strata always cover all of
 * them. 100: each listed pair carries its seed pairs, run ids and test (about 1.9 kB), so 1000 made answers of
 * 1.9 MB on a large team (bench/results/store.md), more than a reader looks through; `limit` asks for more.
 */
export const DEFAULT_COMPARE_PAIRS = 100;

/**
 * `GET /v1/compare`: B against A along one dimension, paired on seed. Two configurations (runs differing only by
 * seed, sharing a teacher) pair when their configs are equal once the dimension's path and the seed are removed
 * and they share their teacher configuration (tkey); within a pair, runs with the same seed pair (same initial weights and data order).
 * The paired t-test runs per quantization stratum over one pair per (configuration, seed): a student's float, 8-bit
 * and 4-bit variants share one training, so they are tested separately rather than counted as more pairs.
 *
 * The context is the representative run's config without the dimension (compared as jsonb: key order does not
 * matter) and the teacher, computed per configuration (not per run); the database pairs the configurations and
 * their seeds (compareConfigurations) and sends each stratum's differences and the listed pairs, in one statement
 * that also counts the values the dimension takes. Here they are tested and described.
 */
export async function compareResults(db: Store, teamId: string, query: CompareQuery): Promise<Comparison> {
  await checkFilterTargets(db, teamId, query);
  const path = compareDimensionPath(query.dimension, [query.a, query.b]);
  const segments = path.split('.');
  const quantization = Object.hasOwn(QUANTIZATION_DIMENSIONS, path) ? QUANTIZATION_DIMENSIONS[path] : undefined;
  // SuRP's α is SuRP's alone: magnitude and SuRP variants of one student differ in it as in their method. A
  // distillation method's settings are its own (KD's temperature and α, CREMBO's thresholds and loss): along
  // distill.method the whole block is left out of the context, and a KD config (no method written) is at kd. A
  // run on real data has no `data` block: along data.source the synthetic side's whole block (generator,
  // samples…) goes with its source, and a config without one is at real.
  const alsoOmit =
    path === 'prune.method'
      ? [['prune', 'alpha']]
      : path === 'distill.method'
        ? [['distill']]
        : path === 'data.source'
          ? [['data']]
          : [];
  const answer = await compareConfigurations(db, teamId, query, {
    segments,
    ...(quantization ? { quantization } : {}),
    ...(path === 'distill.method' ? { unwritten: 'kd' } : {}),
    ...(path === 'data.source' ? { absent: 'real' } : {}),
    alsoOmit,
    a: query.a,
    b: query.b,
    limit: query.limit ?? DEFAULT_COMPARE_PAIRS,
  });

  const labels = { a: query.b, b: query.a };
  const strata = toStrata(answer.strata, labels);

  // Only the listed pairs are described: one config per pair.
  const configById = await readRunConfigs(
    db,
    answer.pairs.map((p) => p.rep),
  );
  const omit =
    quantization !== undefined
      ? ['kind', 'quantize']
      : path === 'distill.method'
        ? ['distill']
        : path === 'data.source'
          ? ['data']
          : [path];

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
    strata,
    pairs: answer.pairs.map((p) => toPair(p, configById.get(p.rep), omit, strata[p.stratum]?.label ?? '', labels)),
    unpaired: answer.unpaired,
    values: answer.values,
  };
}

/** B − A per seed pair, as pairedComparison takes it (its a − b). */
function differencesOf(differences: readonly number[]) {
  return differences.map((d) => ({ a: d, b: 0 }));
}

/** One stratum per pair of quantizations, in the order of their first pairs; labels made unique. */
function toStrata(rows: readonly ComparisonStratumRow[], labels: { a: string; b: string }): ComparisonStratum[] {
  const label = (row: ComparisonStratumRow, details: boolean) => {
    const la = quantizationLabel(row.a, details);
    const lb = quantizationLabel(row.b, details);
    return la === lb ? la : `${la} vs ${lb}`;
  };
  const short = rows.map((r) => label(r, false));
  return rows.map((row, i) => {
    const test = pairedComparison(differencesOf(row.differences));
    const ambiguous = short.filter((l) => l === short[i]).length > 1;
    return {
      label: label(row, ambiguous),
      configurations: row.configurations,
      test,
      verdict: comparisonVerdict(test, labels),
    };
  });
}

/** One side: its pooled configurations' replicates with their statistics. */
function toSide(side: ComparisonSideRow): ComparisonSide {
  return {
    group: side.group,
    label: labelWithoutSeed(side.label),
    quantization: quantizationLabel(side.quantize),
    n: side.seeds.length,
    seeds: side.seeds,
    runIds: side.runIds,
    accuracy: describeSample(side.accuracies),
    parameters: side.parameters,
    bytes: side.bytes,
  };
}

function toPair(
  p: ComparisonPairRow,
  config: RunConfig | undefined,
  omit: string[],
  stratum: string,
  labels: { a: string; b: string },
): ComparisonPair {
  const seedPairs: SeedPair[] = p.seedPairs.map((s) => ({ ...s, difference: s.b - s.a }));
  const test = pairedComparison(differencesOf(seedPairs.map((s) => s.difference)));
  const a = toSide(p.a);
  const b = toSide(p.b);
  return {
    context: config === undefined ? '' : describeConfig(config, omit),
    stratum,
    kind: p.kind,
    dataset: p.dataset,
    teacherId: p.teacherId,
    a,
    b,
    difference: b.accuracy.mean - a.accuracy.mean,
    seedPairs,
    test,
    verdict: comparisonVerdict(test, labels),
  };
}
