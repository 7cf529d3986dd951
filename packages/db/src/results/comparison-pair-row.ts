import type { ComparisonSideRow } from './comparison-side-row.ts';

/** Two runs of one seed, one per side of a pair: the unit of the paired test. */
export interface ComparisonSeedPairRow {
  seed: number;
  aRunId: string;
  bRunId: string;
  a: number;
  b: number;
}

/** A listed configuration pair: A and B at one context and compatible quantizations, paired on seed. */
export interface ComparisonPairRow {
  /** Its stratum's place in ComparedConfigurations.strata. */
  stratum: number;
  /** The A side's first configuration's kind, data set, teacher run and representative run. */
  kind: string;
  dataset: string;
  teacherId: string | null;
  rep: string;
  a: ComparisonSideRow;
  b: ComparisonSideRow;
  /** One per seed both sides have, by seed: each side's replicate of that seed with the smallest run id. */
  seedPairs: ComparisonSeedPairRow[];
}
