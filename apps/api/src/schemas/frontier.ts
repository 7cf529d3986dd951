import { DATASET_NAMES } from '@distillery/spec';
import { z } from 'zod';
import { ConfigurationResult } from './team-results.ts';

/** One replicate behind a frontier point. */
export const FrontierRun = z.object({
  runId: z.uuid().describe("The replicate's run."),
  sweepId: z.uuid().describe('The sweep that created it.'),
  seed: z.int().describe('Its seed.'),
  accuracy: z.number().describe('Its test accuracy.'),
  bytes: z.int().describe('Its measured size in bytes.'),
});
export type FrontierRun = z.infer<typeof FrontierRun>;

/** A configuration no other beats on both mean accuracy (higher) and mean bytes (lower or equal). */
export const FrontierPoint = ConfigurationResult.extend({
  runs: z.array(FrontierRun).describe('The replicates behind the point.'),
}).meta({ id: 'FrontierPoint' });
export type FrontierPoint = z.infer<typeof FrontierPoint>;

/** The accuracy-versus-bytes Pareto frontier of one data set, smallest first. */
export const DatasetFrontier = z.object({
  dataset: z.enum(DATASET_NAMES).describe('The data set.'),
  configurations: z.int().describe('Configurations considered (after the filters).'),
  points: z.array(FrontierPoint).describe('The configurations on the frontier, smallest first.'),
});
export type DatasetFrontier = z.infer<typeof DatasetFrontier>;

export const Frontier = z
  .object({ datasets: z.array(DatasetFrontier).describe('One frontier per data set in the results.') })
  .meta({ id: 'Frontier' });
export type Frontier = z.infer<typeof Frontier>;
