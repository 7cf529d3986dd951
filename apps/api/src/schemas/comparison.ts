import { PairedComparison } from '@distillery/spec';
import { z } from 'zod';
import { ReplicateStats } from './sweep-results.ts';

/** One side of a configuration pair: a configuration's replicates. */
export const ComparisonSide = z.object({
  group: z.string(),
  label: z.string(),
  /** `float`, `ptq 4-bit`, …: the side's quantization. */
  quantization: z.string(),
  n: z.int(),
  seeds: z.array(z.int()),
  runIds: z.array(z.uuid()),
  accuracy: ReplicateStats,
  parameters: z.number(),
  bytes: z.number(),
});
export type ComparisonSide = z.infer<typeof ComparisonSide>;

/** Two runs with the same seed, one per side: the unit of the paired test. */
export const SeedPair = z.object({
  seed: z.int(),
  aRunId: z.uuid(),
  bRunId: z.uuid(),
  /** A's accuracy. */
  a: z.number(),
  /** B's accuracy. */
  b: z.number(),
  /** b − a. */
  difference: z.number(),
});
export type SeedPair = z.infer<typeof SeedPair>;

/** The paired t-test of B − A and its sentence. */
const Tested = {
  test: PairedComparison.describe('paired t-test of B − A over the seed pairs (accuracy, as a fraction)'),
  /** A plain sentence: `lma-8 better, p = 0.01, n = 3` or `no detectable difference at n = 3 (p = 0.42)`. */
  verdict: z.string(),
};

/**
 * A and B at an otherwise equal configuration (same data set, model, training, distillation and teacher; same
 * quantization unless the dimension is the quantization), with their runs paired on seed.
 */
export const ComparisonPair = z.object({
  /** What A and B share, e.g. `student mlp 16-16 · ptq 4-bit · mnist`. */
  context: z.string(),
  /** The stratum it is tested in: its quantization (`ptq 4-bit`, or `float vs ptq 4-bit`). */
  stratum: z.string(),
  kind: z.string(),
  dataset: z.string(),
  teacherId: z.uuid().nullable(),
  a: ComparisonSide,
  b: ComparisonSide,
  /** B's mean accuracy minus A's, over all their replicates (paired or not). */
  difference: z.number(),
  /** Replicates with the same seed on both sides, each run used once. */
  seedPairs: z.array(SeedPair),
  ...Tested,
});
export type ComparisonPair = z.infer<typeof ComparisonPair>;

/**
 * All seed pairs of one quantization, tested together: one pair per (configuration, seed). A student's float and
 * quantized variants come from one training run, so they are tested in separate strata, never as more pairs.
 */
export const ComparisonStratum = z.object({
  /** `float`, `ptq 4-bit`, or `float vs ptq 4-bit` when the dimension is the quantization itself. */
  label: z.string(),
  /** Configuration pairs in the stratum (the breakdown is in `pairs`). */
  configurations: z.int(),
  ...Tested,
});
export type ComparisonStratum = z.infer<typeof ComparisonStratum>;

/** `GET /v1/compare`: B against A along one dimension, paired on seed. */
export const Comparison = z
  .object({
    dimension: z.string(),
    /** The path into a run's config the dimension stands for. */
    path: z.string(),
    a: z.string(),
    b: z.string(),
    /** How pairs are formed and tested, in words. */
    pairing: z.string(),
    /** One paired test per quantization stratum, in the order of `pairs`. */
    strata: z.array(ComparisonStratum),
    /** Configuration pairs (the per-configuration breakdown), ordered by A's size (bytes), smallest first. */
    pairs: z.array(ComparisonPair),
    /** Configurations with only one of the values (no partner at otherwise equal configuration). */
    unpaired: z.object({ a: z.int(), b: z.int() }),
    /** Values the dimension takes in the filtered results, with how many configurations have each. */
    values: z.array(z.object({ value: z.string(), configurations: z.int() })),
  })
  .meta({ id: 'Comparison' });
export type Comparison = z.infer<typeof Comparison>;
