import { PairedComparison } from '@distillery/spec';
import { z } from 'zod';
import { ReplicateStats } from './sweep-results.ts';

/** One side of a configuration pair: a configuration's replicates. */
export const ComparisonSide = z.object({
  group: z.string().describe("The configuration's group hash (its replicates share it)."),
  label: z.string().describe("The configuration's label without the seed."),
  quantization: z.string().describe("`float`, `ptq 4-bit`, …: the side's quantization."),
  n: z.int().describe('Replicates (seeds) with a result.'),
  seeds: z.array(z.int()).describe('Their seeds.'),
  runIds: z.array(z.uuid()).describe('The runs behind the numbers, in seed order.'),
  accuracy: ReplicateStats.describe('Test accuracy over the replicates.'),
  parameters: z.number().describe('Parameters of the packed model (mean over replicates).'),
  bytes: z.number().describe('Measured size of the packed weights in bytes (mean over replicates).'),
});
export type ComparisonSide = z.infer<typeof ComparisonSide>;

/** Two runs with the same seed, one per side: the unit of the paired test. */
export const SeedPair = z.object({
  seed: z.int().describe('The seed both runs were trained with.'),
  aRunId: z.uuid().describe("A's run with this seed."),
  bRunId: z.uuid().describe("B's run with this seed."),
  a: z.number().describe("A's accuracy."),
  b: z.number().describe("B's accuracy."),
  difference: z.number().describe('b − a.'),
});
export type SeedPair = z.infer<typeof SeedPair>;

/** The paired t-test of B − A and its sentence. */
const Tested = {
  test: PairedComparison.describe('paired t-test of B − A over the seed pairs (accuracy, as a fraction)'),
  verdict: z
    .string()
    .describe('A plain sentence: `lma-8 better, p = 0.01, n = 3` or `no detectable difference at n = 3 (p = 0.42)`.'),
};

/**
 * A and B at an otherwise equal configuration (same data set, model, training, distillation and teacher; same
 * quantization unless the dimension is the quantization), with their runs paired on seed.
 */
export const ComparisonPair = z.object({
  context: z.string().describe('What A and B share, e.g. `student mlp 16-16 · ptq 4-bit · mnist`.'),
  stratum: z.string().describe('The stratum it is tested in: its quantization (`ptq 4-bit`, or `float vs ptq 4-bit`).'),
  kind: z.string().describe('The run kind both sides share.'),
  dataset: z.string().describe('The data set both sides share.'),
  teacherId: z.uuid().nullable().describe('The teacher run both distilled from; null for teachers.'),
  a: ComparisonSide.describe("The side with the dimension's value A."),
  b: ComparisonSide.describe("The side with the dimension's value B."),
  difference: z.number().describe("B's mean accuracy minus A's, over all their replicates (paired or not)."),
  seedPairs: z.array(SeedPair).describe('Replicates with the same seed on both sides, each run used once.'),
  ...Tested,
});
export type ComparisonPair = z.infer<typeof ComparisonPair>;

/**
 * All seed pairs of one quantization, tested together: one pair per (configuration, seed). A student's float and
 * quantized variants come from one training run, so they are tested in separate strata, never as more pairs.
 */
export const ComparisonStratum = z.object({
  label: z
    .string()
    .describe('`float`, `ptq 4-bit`, or `float vs ptq 4-bit` when the dimension is the quantization itself.'),
  configurations: z.int().describe('Configuration pairs in the stratum (the breakdown is in `pairs`).'),
  ...Tested,
});
export type ComparisonStratum = z.infer<typeof ComparisonStratum>;

/** `GET /v1/compare`: B against A along one dimension, paired on seed. */
export const Comparison = z
  .object({
    dimension: z
      .string()
      .describe('The dimension compared (activation, bits, method, hidden, temperature, alpha, or a config path).'),
    path: z.string().describe("The path into a run's config the dimension stands for."),
    a: z.string().describe('The value A (the baseline).'),
    b: z.string().describe('The value B (compared against A).'),
    pairing: z.string().describe('How pairs are formed and tested, in words.'),
    strata: z.array(ComparisonStratum).describe('One paired test per quantization stratum, in the order of `pairs`.'),
    pairs: z
      .array(ComparisonPair)
      .describe("Configuration pairs (the per-configuration breakdown), ordered by A's size (bytes), smallest first."),
    unpaired: z
      .object({
        a: z.int().describe('Configurations with A and no partner.'),
        b: z.int().describe('Configurations with B and no partner.'),
      })
      .describe('Configurations with only one of the values (no partner at otherwise equal configuration).'),
    values: z
      .array(
        z.object({
          value: z.string().describe('A value of the dimension.'),
          configurations: z.int().describe('Configurations with it.'),
        }),
      )
      .describe('Values the dimension takes in the filtered results, with how many configurations have each.'),
  })
  .meta({ id: 'Comparison' });
export type Comparison = z.infer<typeof Comparison>;
