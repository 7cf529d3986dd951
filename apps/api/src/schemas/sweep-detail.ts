import { RUN_STATES, type RunState } from '@distillery/spec';
import { z } from 'zod';
import { SweepSummary } from './sweep-summary.ts';

/** How many runs are in each state; every state is present (0 when none). */
export const RunStateCounts = z.object(
  Object.fromEntries(RUN_STATES.map((s) => [s, z.int().min(0).describe(`Runs in state ${s}.`)])) as Record<
    RunState,
    z.ZodInt
  >,
);
export type RunStateCounts = z.infer<typeof RunStateCounts>;

/** One sweep with where its runs stand. */
export const SweepDetail = SweepSummary.extend({
  counts: RunStateCounts.describe('How many runs are in each state.'),
  totals: z
    .object({
      runs: z.int().describe('Runs of the sweep, reused ones included.'),
      finished: z.int().describe('Runs in a terminal state (succeeded, failed, cancelled).'),
      results: z.int().describe('Runs with a stored result.'),
      predictedBytes: z.int().describe("Sum of the runs' predicted weight bytes."),
      progress: z.number().min(0).max(1).describe('Mean progress over the runs, 0..1.'),
    })
    .describe("The sweep's runs, added up."),
}).meta({ id: 'SweepDetail' });
export type SweepDetail = z.infer<typeof SweepDetail>;
