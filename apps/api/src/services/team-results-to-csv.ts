import { csvHeader, csvLines, toCsv } from '../lib/csv.ts';
import type { Comparison } from '../schemas/comparison.ts';
import { CONFIG_DIMENSIONS, type ConfigDimensions } from '../schemas/config-dimensions.ts';
import type { Frontier } from '../schemas/frontier.ts';
import type { ConfigurationResult, TeamResultRow } from '../schemas/team-results.ts';

type Columns<T> = (readonly [string, (row: T) => string | number | boolean | null | readonly (string | number)[]])[];

/** One column per configuration dimension, named by its spec path, after a line's own columns. */
function dimensionColumns<T extends { dimensions: ConfigDimensions }>(): Columns<T> {
  return CONFIG_DIMENSIONS.map((d) => [d, (row: T) => row.dimensions[d]] as const);
}

const CONFIGURATION_COLUMNS: Columns<ConfigurationResult> = [
  ['group', (c) => c.group],
  ['teacherId', (c) => c.teacherId],
  ['kind', (c) => c.kind],
  ['dataset', (c) => c.dataset],
  ['family', (c) => c.family],
  ['activation', (c) => c.activation],
  ['method', (c) => c.method],
  ['bits', (c) => c.bits],
  ['label', (c) => c.label],
  ['description', (c) => c.description],
  ['n', (c) => c.n],
  ['seeds', (c) => c.seeds],
  ['accuracyMean', (c) => c.accuracy.mean],
  ['accuracyStd', (c) => c.accuracy.std],
  ['accuracyCi95Low', (c) => c.accuracy.ci95?.low ?? null],
  ['accuracyCi95High', (c) => c.accuracy.ci95?.high ?? null],
  ['lossMean', (c) => c.loss.mean],
  ['lossStd', (c) => c.loss.std],
  ['lossCi95Low', (c) => c.loss.ci95?.low ?? null],
  ['lossCi95High', (c) => c.loss.ci95?.high ?? null],
  ['agreement', (c) => c.agreement.value],
  ['agreementPairs', (c) => c.agreement.pairs],
  ['parameters', (c) => c.parameters],
  ['bytes', (c) => c.bytes],
  ['runIds', (c) => c.runIds],
  ['sweepIds', (c) => c.sweepIds],
  ...dimensionColumns<ConfigurationResult>(),
];

/** Configurations, one line each; seeds and ids `;`-separated. */
export function configurationsToCsv(items: readonly ConfigurationResult[]): string {
  return toCsv(CONFIGURATION_COLUMNS, items);
}

const ROW_COLUMNS: Columns<TeamResultRow> = [
  ['runId', (r) => r.runId],
  ['sweepId', (r) => r.sweepId],
  ['key', (r) => r.key],
  ['kind', (r) => r.kind],
  ['dataset', (r) => r.dataset],
  ['family', (r) => r.family],
  ['activation', (r) => r.activation],
  ['method', (r) => r.method],
  ['bits', (r) => r.bits],
  ['label', (r) => r.label],
  ['seed', (r) => r.seed],
  ['accuracy', (r) => r.accuracy],
  ['loss', (r) => r.loss],
  ['parameters', (r) => r.parameters],
  ['bytes', (r) => r.bytes],
  ['backend', (r) => r.backend],
  ['group', (r) => r.group],
  ['teacherId', (r) => r.teacherId],
  ['createdAt', (r) => r.createdAt],
  ...dimensionColumns<TeamResultRow>(),
];

/** Result rows, one line per run. */
export function teamResultRowsToCsv(rows: readonly TeamResultRow[]): string {
  return toCsv(ROW_COLUMNS, rows);
}

/** The header line of teamResultRowsToCsv, for a CSV streamed in parts. */
export function teamResultRowsCsvHeader(): string {
  return csvHeader(ROW_COLUMNS);
}

/** Lines of teamResultRowsToCsv without its header: the parts after it. */
export function teamResultRowsCsvLines(rows: readonly TeamResultRow[]): string {
  return csvLines(ROW_COLUMNS, rows);
}

type FrontierLine = Frontier['datasets'][number]['points'][number];

/** Frontier points of every data set, smallest first within each. */
export function frontierToCsv(frontier: Frontier): string {
  const points = frontier.datasets.flatMap((d) => d.points);
  return toCsv<FrontierLine>(CONFIGURATION_COLUMNS as Columns<FrontierLine>, points);
}

type Pair = Comparison['pairs'][number];
type Stratum = Comparison['strata'][number];
/** One seed pair (or, for a configuration pair without a common seed, none) with its pair and stratum. */
interface SeedPairLine {
  pair: Pair;
  stratum: Stratum | undefined;
  seedPair: Pair['seedPairs'][number] | undefined;
}

/**
 * One line per seed pair: the two runs (ids and accuracies) and B − A, with the configuration pair's and the
 * stratum's paired tests repeated on each of its lines, so every number traces back to its runs.
 */
export function comparisonToCsv(comparison: Comparison): string {
  const strata = new Map(comparison.strata.map((s) => [s.label, s]));
  const lines = comparison.pairs.flatMap((pair): SeedPairLine[] => {
    const stratum = strata.get(pair.stratum);
    return pair.seedPairs.length === 0
      ? [{ pair, stratum, seedPair: undefined }]
      : pair.seedPairs.map((seedPair) => ({ pair, stratum, seedPair }));
  });
  const columns: Columns<SeedPairLine> = [
    ['dimension', () => comparison.dimension],
    ['stratum', (l) => l.pair.stratum],
    ['context', (l) => l.pair.context],
    ['kind', (l) => l.pair.kind],
    ['dataset', (l) => l.pair.dataset],
    ['teacherId', (l) => l.pair.teacherId],
    ['seed', (l) => l.seedPair?.seed ?? null],
    ['a', () => comparison.a],
    ['aRunId', (l) => l.seedPair?.aRunId ?? null],
    ['aAccuracy', (l) => l.seedPair?.a ?? null],
    ['b', () => comparison.b],
    ['bRunId', (l) => l.seedPair?.bRunId ?? null],
    ['bAccuracy', (l) => l.seedPair?.b ?? null],
    ['difference', (l) => l.seedPair?.difference ?? null],
    ['pairN', (l) => l.pair.test.n],
    ['pairMeanDifference', (l) => l.pair.test.meanDifference],
    ['pairCi95Low', (l) => l.pair.test.ci95?.low ?? null],
    ['pairCi95High', (l) => l.pair.test.ci95?.high ?? null],
    ['pairP', (l) => l.pair.test.p],
    ['stratumN', (l) => l.stratum?.test.n ?? null],
    ['stratumMeanDifference', (l) => l.stratum?.test.meanDifference ?? null],
    ['stratumCi95Low', (l) => l.stratum?.test.ci95?.low ?? null],
    ['stratumCi95High', (l) => l.stratum?.test.ci95?.high ?? null],
    ['stratumP', (l) => l.stratum?.test.p ?? null],
    ['stratumVerdict', (l) => l.stratum?.verdict ?? null],
  ];
  return toCsv(columns, lines);
}
