import { z } from 'zod';
import { ReplicateStats } from './sweep-results.ts';

/** One side of a pair: a configuration's replicates. */
export const ComparisonSide = z.object({
  group: z.string(),
  label: z.string(),
  n: z.int(),
  seeds: z.array(z.int()),
  runIds: z.array(z.uuid()),
  accuracy: ReplicateStats,
  parameters: z.number(),
  bytes: z.number(),
});
export type ComparisonSide = z.infer<typeof ComparisonSide>;

/** Mean and spread of differences (B − A). */
export const DifferenceStats = z.object({
  /** Number of differences. */
  n: z.int(),
  mean: z.number().nullable(),
  /** Sample standard deviation (n − 1); null below two differences. */
  std: z.number().nullable(),
  /** Standard error of the mean, std / √n. */
  stderr: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
});
export type DifferenceStats = z.infer<typeof DifferenceStats>;

/** A and B at an otherwise equal configuration (same data set, model, training, quantization and teacher). */
export const ComparisonPair = z.object({
  /** What A and B share, e.g. `student mlp 16-16 · ptq 4-bit · mnist`. */
  context: z.string(),
  kind: z.string(),
  dataset: z.string(),
  teacherId: z.uuid().nullable(),
  a: ComparisonSide,
  b: ComparisonSide,
  /** B's mean accuracy minus A's. */
  difference: z.number(),
  /** Differences of replicates with the same seed on both sides (B − A). */
  seedPaired: DifferenceStats,
});
export type ComparisonPair = z.infer<typeof ComparisonPair>;

/** `GET /v1/compare`: B against A along one dimension. */
export const Comparison = z
  .object({
    dimension: z.string(),
    /** The path into a run's config the dimension stands for. */
    path: z.string(),
    a: z.string(),
    b: z.string(),
    /** The pairs' differences of means (B − A): the paired mean difference and its spread. */
    summary: DifferenceStats.extend({
      /** Pairs where B's mean accuracy is higher / lower / equal. */
      bBetter: z.int(),
      aBetter: z.int(),
      ties: z.int(),
    }),
    /** Pairs ordered by A's size (bytes), smallest first. */
    pairs: z.array(ComparisonPair),
    /** Configurations with only one of the values (no partner at otherwise equal configuration). */
    unpaired: z.object({ a: z.int(), b: z.int() }),
    /** Values the dimension takes in the filtered results, with how many configurations have each. */
    values: z.array(z.object({ value: z.string(), configurations: z.int() })),
  })
  .meta({ id: 'Comparison' });
export type Comparison = z.infer<typeof Comparison>;
