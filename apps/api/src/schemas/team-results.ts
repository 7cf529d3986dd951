import { DATASET_NAMES, RunKind } from '@distillery/spec';
import { z } from 'zod';
import { ConfigDimensions } from './config-dimensions.ts';
import { QUANTIZE_METHODS } from './result-filters.ts';
import { ReplicateStats } from './sweep-results.ts';

/** What every team-wide result says about its configuration, read from the run's config. */
const ConfigurationFacts = {
  kind: RunKind,
  dataset: z.enum(DATASET_NAMES),
  family: z.string().describe('mlp | cnn'),
  /** `relu`, `lma-8`, … */
  activation: z.string(),
  method: z.enum(QUANTIZE_METHODS),
  /** Bits per weight: 32 unless quantized. */
  bits: z.int(),
  /** The teacher run it was distilled from (for a PTQ variant: its student's teacher); null for teachers. */
  teacherId: z.uuid().nullable(),
  /** A readable summary of the configuration: `student mlp 16-16 lma-8 bn · ptq 8-bit · mnist`. */
  description: z.string(),
  dimensions: ConfigDimensions,
};

/** One of the team's runs with a result (`GET /v1/results/runs`). */
export const TeamResultRow = z
  .object({
    runId: z.uuid(),
    sweepId: z.uuid(),
    key: z.string(),
    label: z.string(),
    seed: z.int(),
    accuracy: z.number(),
    loss: z.number(),
    /** Measured on the packed artifact. */
    parameters: z.int(),
    bytes: z.int(),
    backend: z.string(),
    /** The run's `groupHash`: replicates share it. */
    group: z.string(),
    ...ConfigurationFacts,
    /** When the result was stored. */
    createdAt: z.iso.datetime(),
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
    group: z.string(),
    /** The runs' label without the seed. */
    label: z.string(),
    ...ConfigurationFacts,
    /** Replicates with a result. */
    n: z.int(),
    seeds: z.array(z.int()),
    /** The runs behind the numbers, in seed order. */
    runIds: z.array(z.uuid()),
    sweepIds: z.array(z.uuid()),
    accuracy: ReplicateStats,
    loss: ReplicateStats,
    /** Means over the replicates (they normally agree). */
    parameters: z.number(),
    bytes: z.number(),
    /** When the newest replicate's result was stored. */
    latestAt: z.iso.datetime(),
  })
  .meta({ id: 'ConfigurationResult' });
export type ConfigurationResult = z.infer<typeof ConfigurationResult>;

const Page = {
  /** Items matching the filters, over all pages. */
  total: z.int(),
  limit: z.int(),
  offset: z.int(),
};

export const ConfigurationResultList = z
  .object({ ...Page, items: z.array(ConfigurationResult) })
  .meta({ id: 'ConfigurationResultList' });
export type ConfigurationResultList = z.infer<typeof ConfigurationResultList>;

export const TeamResultRowList = z.object({ ...Page, items: z.array(TeamResultRow) }).meta({ id: 'TeamResultRowList' });
export type TeamResultRowList = z.infer<typeof TeamResultRowList>;

/** CSV with a header line naming the columns (lists are `;`-separated inside one field). */
export const CsvText = z.string().describe('text/csv, RFC 4180, with a header line.');
