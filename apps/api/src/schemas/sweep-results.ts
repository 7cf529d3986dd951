import { ReplicateAgreement, RunKind, SampleSummary, SizeBreakdown } from '@distillery/spec';
import { z } from 'zod';
import { ConfigDimensions } from './config-dimensions.ts';
import { RunRowFields } from './run-row-fields.ts';

/** One run with a result. */
export const ResultRow = z.object({
  ...RunRowFields,
  seed: z.int().describe('Its seed.'),
  bits: z.int().describe('Bits per quantized weight; 32 for float.'),
  accuracy: z.number().describe('Test accuracy (fraction correct on the test split).'),
  loss: z.number().describe('Test cross-entropy.'),
  parameters: z.int().describe('Parameters of the packed model.'),
  bytes: z.int().describe('Measured size of the packed weights in bytes.'),
  /** `bytes` measured on the packed artifact, split into codes, bucket headers and float tensors. */
  sizeBreakdown: SizeBreakdown.nullable().describe(
    'The measured bytes split into codes, bucket headers and float tensors; null for results recorded before it was measured.',
  ),
  backend: z.string().describe('The TensorFlow.js backend that produced it: wasm, cpu, tensorflow.'),
  group: z.string().describe("The run's `groupHash`: rows of one group are replicates (same config, other seed)."),
  splitDigest: z
    .string()
    .nullable()
    .describe(
      'sha256 of the exact rows the run trained, validated and tested on; null for results from before digests.',
    ),
  dimensions: ConfigDimensions.describe("The run's configuration by sweep-spec path."),
});
export type ResultRow = z.infer<typeof ResultRow>;

/**
 * A metric over replicates: n, mean, sample standard deviation (n − 1) and the Student-t 95% confidence interval
 * of the mean; std and interval are null for a single replicate.
 */
export const ReplicateStats = SampleSummary.meta({ id: 'ReplicateStats' });
export type ReplicateStats = z.infer<typeof ReplicateStats>;

export const ReplicateAgreementStats = ReplicateAgreement.meta({ id: 'ReplicateAgreement' });
const AGREEMENT_DESCRIPTION =
  'Robustness to the seed: the mean, over the n(n − 1)/2 pairs of replicates with stored test predictions, of the fraction of test examples two predict alike; value null without a pair.';
export const agreementField = () => ReplicateAgreementStats.describe(AGREEMENT_DESCRIPTION);

/** What every aggregate of replicates measures over them, in this order. */
export const ReplicateMeasures = {
  accuracy: ReplicateStats.describe('Test accuracy over the replicates.'),
  loss: ReplicateStats.describe('Test cross-entropy over the replicates.'),
  agreement: agreementField(),
  parameters: z.number().describe('Mean over the replicates (they normally agree).'),
  bytes: z.number().describe('Measured size in bytes (mean over the replicates).'),
};

/** Replicates (runs that differ only by seed) aggregated: seeds are replicates, not a search dimension. */
export const ResultGroup = z.object({
  group: z.string().describe("The runs' shared `groupHash`."),
  kind: RunKind.describe("The replicates' run kind."),
  label: z.string().describe("The runs' label without the seed."),
  n: z.int().describe('Number of replicates with a result.'),
  seeds: z.array(z.int()).describe("The replicates' seeds."),
  runIds: z.array(z.uuid()).describe('The runs behind the numbers, in the order of `seeds`.'),
  ...ReplicateMeasures,
  bits: z.int().describe('Bits per quantized weight; 32 for float.'),
});
export type ResultGroup = z.infer<typeof ResultGroup>;

export const SweepResults = z
  .object({
    rows: z.array(ResultRow).describe('One row per run with a result.'),
    groups: z.array(ResultGroup).describe('The rows aggregated over replicates (runs that differ only by seed).'),
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
