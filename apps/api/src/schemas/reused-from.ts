import { z } from 'zod';

/**
 * Where a sweep's reused run comes from: an earlier sweep of the team had a run with the same identity
 * (configuration, seed, teacher), trained or on its way, so this sweep counts that run instead of training it
 * again.
 */
export const ReusedFrom = z
  .object({
    sweepId: z.uuid().describe('The sweep the run belongs to.'),
    runId: z.uuid().describe('The run (the same id in both sweeps).'),
    key: z.string().describe('Its key in that sweep.'),
  })
  .meta({ id: 'ReusedFrom' });
export type ReusedFrom = z.infer<typeof ReusedFrom>;
