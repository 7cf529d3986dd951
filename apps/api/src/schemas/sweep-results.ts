import { RunKind, SampleSummary, SizeBreakdown } from '@distillery/spec';
import { z } from 'zod';
import { ConfigDimensions } from './config-dimensions.ts';

/** One run with a result. */
export const ResultRow = z.object({
  runId: z.uuid(),
  key: z.string(),
  kind: RunKind,
  label: z.string(),
  seed: z.int(),
  bits: z.int(),
  accuracy: z.number(),
  loss: z.number(),
  parameters: z.int(),
  bytes: z.int(),
  /** `bytes` measured on the packed artifact, split into codes, bucket headers and float tensors. */
  sizeBreakdown: SizeBreakdown.nullable().describe(
    'The measured bytes split into codes, bucket headers and float tensors; null for results recorded before it was measured.',
  ),
  backend: z.string(),
  /** The run's `groupHash`: rows of one group are replicates (same config, other seed). */
  group: z.string(),
  /** sha256 of the exact rows the run trained, validated and tested on; null for results from before digests. */
  splitDigest: z.string().nullable(),
  dimensions: ConfigDimensions,
});
export type ResultRow = z.infer<typeof ResultRow>;

/**
 * A metric over replicates: n, mean, sample standard deviation (n − 1) and the Student-t 95% confidence interval
 * of the mean; std and interval are null for a single replicate.
 */
export const ReplicateStats = SampleSummary.meta({ id: 'ReplicateStats' });
export type ReplicateStats = z.infer<typeof ReplicateStats>;

/** Replicates (runs that differ only by seed) aggregated: seeds are replicates, not a search dimension. */
export const ResultGroup = z.object({
  /** The runs' shared `groupHash`. */
  group: z.string(),
  kind: RunKind,
  /** The runs' label without the seed. */
  label: z.string(),
  /** Number of replicates with a result. */
  n: z.int(),
  seeds: z.array(z.int()),
  /** The runs behind the numbers, in the order of `seeds`. */
  runIds: z.array(z.uuid()),
  accuracy: ReplicateStats,
  loss: ReplicateStats,
  /** Mean over the replicates (they normally agree). */
  parameters: z.number(),
  bytes: z.number(),
  bits: z.int(),
});
export type ResultGroup = z.infer<typeof ResultGroup>;

export const SweepResults = z
  .object({
    rows: z.array(ResultRow),
    groups: z.array(ResultGroup),
  })
  .meta({ id: 'SweepResults' });
export type SweepResults = z.infer<typeof SweepResults>;

/** The same rows as CSV, one header line. */
export const ResultsCsv = z
  .string()
  .describe(
    'CSV with a header line: runId,key,kind,label,seed,bits,accuracy,loss,parameters,bytes,backend,group,splitDigest,' +
      'codeBytes,headerBytes,floatBytes,quantizedFraction (empty for results recorded before the size breakdown ' +
      'was measured), then one column per configuration dimension named by its sweep-spec path (dataset.name, ' +
      'model.family, model.hidden, …, teacher, seed; see ConfigDimensions)',
  );
