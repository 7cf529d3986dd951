import { toCsv } from '../lib/csv.ts';
import type { Comparison } from '../schemas/comparison.ts';
import type { Frontier } from '../schemas/frontier.ts';
import type { ConfigurationResult, TeamResultRow } from '../schemas/team-results.ts';

type Columns<T> = (readonly [string, (row: T) => string | number | boolean | null | readonly (string | number)[]])[];

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
  ['parameters', (c) => c.parameters],
  ['bytes', (c) => c.bytes],
  ['runIds', (c) => c.runIds],
  ['sweepIds', (c) => c.sweepIds],
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
];

/** Result rows, one line per run. */
export function teamResultRowsToCsv(rows: readonly TeamResultRow[]): string {
  return toCsv(ROW_COLUMNS, rows);
}

type FrontierLine = Frontier['datasets'][number]['points'][number];

/** Frontier points of every data set, smallest first within each. */
export function frontierToCsv(frontier: Frontier): string {
  const points = frontier.datasets.flatMap((d) => d.points);
  return toCsv<FrontierLine>(CONFIGURATION_COLUMNS as Columns<FrontierLine>, points);
}

type PairLine = Comparison['pairs'][number];

/** One line per pair: the shared context, A's and B's replicates, and B − A. */
export function comparisonToCsv(comparison: Comparison): string {
  const columns: Columns<PairLine> = [
    ['dimension', () => comparison.dimension],
    ['context', (p) => p.context],
    ['kind', (p) => p.kind],
    ['dataset', (p) => p.dataset],
    ['teacherId', (p) => p.teacherId],
    ['a', () => comparison.a],
    ['aN', (p) => p.a.n],
    ['aAccuracyMean', (p) => p.a.accuracy.mean],
    ['aAccuracyStd', (p) => p.a.accuracy.std],
    ['aBytes', (p) => p.a.bytes],
    ['b', () => comparison.b],
    ['bN', (p) => p.b.n],
    ['bAccuracyMean', (p) => p.b.accuracy.mean],
    ['bAccuracyStd', (p) => p.b.accuracy.std],
    ['bBytes', (p) => p.b.bytes],
    ['difference', (p) => p.difference],
    ['seedPairedN', (p) => p.seedPaired.n],
    ['seedPairedMean', (p) => p.seedPaired.mean],
    ['seedPairedStd', (p) => p.seedPaired.std],
  ];
  return toCsv(columns, comparison.pairs);
}
