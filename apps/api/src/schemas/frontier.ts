import { DATASET_NAMES } from '@distillery/spec';
import { z } from 'zod';
import { ConfigurationResult } from './team-results.ts';

/** One replicate behind a frontier point. */
export const FrontierRun = z.object({
  runId: z.uuid(),
  sweepId: z.uuid(),
  seed: z.int(),
  accuracy: z.number(),
  bytes: z.int(),
});
export type FrontierRun = z.infer<typeof FrontierRun>;

/** A configuration no other beats on both mean accuracy (higher) and mean bytes (lower or equal). */
export const FrontierPoint = ConfigurationResult.extend({ runs: z.array(FrontierRun) }).meta({ id: 'FrontierPoint' });
export type FrontierPoint = z.infer<typeof FrontierPoint>;

/** The accuracy-versus-bytes Pareto frontier of one data set, smallest first. */
export const DatasetFrontier = z.object({
  dataset: z.enum(DATASET_NAMES),
  /** Configurations considered (after the filters). */
  configurations: z.int(),
  points: z.array(FrontierPoint),
});
export type DatasetFrontier = z.infer<typeof DatasetFrontier>;

export const Frontier = z.object({ datasets: z.array(DatasetFrontier) }).meta({ id: 'Frontier' });
export type Frontier = z.infer<typeof Frontier>;
