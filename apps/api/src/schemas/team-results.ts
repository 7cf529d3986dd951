import { DATASET_NAMES, RunKind } from '@distillery/spec';
import { z } from 'zod';
import { ConfigDimensions } from './config-dimensions.ts';
import { QUANTIZE_METHODS } from './result-filters.ts';
import { ReplicateMeasures } from './sweep-results.ts';

/** What every team-wide result says about its configuration, read from the run's config. */
const ConfigurationFacts = {
  kind: RunKind.describe('teacher, student, quantize-ptq, quantize-qat or prune.'),
  dataset: z.enum(DATASET_NAMES).describe('The data set.'),
  family: z.string().describe('mlp | cnn'),
  activation: z.string().describe('`relu`, `lma-8`, …'),
  method: z.enum(QUANTIZE_METHODS).describe('none (float), ptq or qat.'),
  bits: z.int().describe('Bits per weight: 32 unless quantized.'),
  teacherId: z
    .uuid()
    .nullable()
    .describe("The teacher run it was distilled from (for a PTQ variant: its student's teacher); null for teachers."),
  description: z
    .string()
    .describe('A readable summary of the configuration: `student mlp 16-16 lma-8 bn · ptq 8-bit · mnist`.'),
  dimensions: ConfigDimensions.describe('The configuration by sweep-spec path.'),
};

/** One of the team's runs with a result (`GET /v1/results/runs`). */
export const TeamResultRow = z
  .object({
    runId: z.uuid().describe('The run.'),
    sweepId: z.uuid().describe('The sweep that created it.'),
    key: z.string().describe("The run's key in its sweep."),
    label: z.string().describe("The run's label."),
    seed: z.int().describe('Its seed.'),
    accuracy: z.number().describe('Test accuracy (fraction correct on the test split).'),
    loss: z.number().describe('Test cross-entropy.'),
    parameters: z.int().describe('Measured on the packed artifact.'),
    bytes: z.int().describe('Measured size of the packed weights in bytes.'),
    backend: z.string().describe('The TensorFlow.js backend that produced it.'),
    group: z.string().describe("The run's `groupHash`: replicates share it."),
    ...ConfigurationFacts,
    createdAt: z.iso.datetime().describe('When the result was stored.'),
  })
  .meta({ id: 'TeamResultRow' });
export type TeamResultRow = z.infer<typeof TeamResultRow>;

/**
 * A configuration: the team's runs that differ only by seed (same `groupHash`, same teacher configuration, whichever
 * run trained that teacher: a `rerun` over some seeds trains it again), aggregated — seeds are replicates, not a
 * search dimension; `teacherId` names one of the teacher's runs. Accuracy and loss carry n, the sample std (n − 1) and a Student-t 95%
 * CI of the mean; std and CI are null for one replicate.
 */
export const ConfigurationResult = z
  .object({
    group: z.string().describe("The replicates' shared group hash."),
    label: z.string().describe("The runs' label without the seed."),
    ...ConfigurationFacts,
    n: z.int().describe('Replicates with a result.'),
    seeds: z.array(z.int()).describe("The replicates' seeds."),
    runIds: z.array(z.uuid()).describe('The runs behind the numbers, in seed order.'),
    sweepIds: z.array(z.uuid()).describe('The sweeps the replicates come from.'),
    ...ReplicateMeasures,
    latestAt: z.iso.datetime().describe("When the newest replicate's result was stored."),
  })
  .meta({ id: 'ConfigurationResult' });
export type ConfigurationResult = z.infer<typeof ConfigurationResult>;

const Page = {
  total: z.int().describe('Items matching the filters, over all pages.'),
  limit: z.int().describe('Page size.'),
  offset: z.int().describe('Items skipped before this page.'),
};

export const ConfigurationResultList = z
  .object({
    ...Page,
    items: z.array(ConfigurationResult).describe('The page of configurations, in the requested order.'),
  })
  .meta({ id: 'ConfigurationResultList' });
export type ConfigurationResultList = z.infer<typeof ConfigurationResultList>;

export const TeamResultRowList = z
  .object({ ...Page, items: z.array(TeamResultRow).describe('The page of runs, in the requested order.') })
  .meta({ id: 'TeamResultRowList' });
export type TeamResultRowList = z.infer<typeof TeamResultRowList>;

/** CSV with a header line naming the columns (lists are `;`-separated inside one field). */
export const CsvText = z.string().describe('text/csv, RFC 4180, with a header line.');
