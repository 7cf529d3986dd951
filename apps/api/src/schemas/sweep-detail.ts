import { RUN_STATES, type RunState } from '@distillery/spec';
import { z } from 'zod';
import { SweepSummary } from './sweep-summary.ts';

/** How many runs are in each state; every state is present (0 when none). */
export const RunStateCounts = z.object(
  Object.fromEntries(RUN_STATES.map((s) => [s, z.int().min(0)])) as Record<RunState, z.ZodInt>,
);
export type RunStateCounts = z.infer<typeof RunStateCounts>;

/** One sweep with where its runs stand. */
export const SweepDetail = SweepSummary.extend({
  counts: RunStateCounts,
  totals: z.object({
    runs: z.int(),
    /** Runs in a terminal state (succeeded, failed, cancelled). */
    finished: z.int(),
    /** Runs with a stored result. */
    results: z.int(),
    /** Sum of the runs' predicted weight bytes. */
    predictedBytes: z.int(),
    /** Mean progress over the runs, 0..1. */
    progress: z.number().min(0).max(1),
  }),
}).meta({ id: 'SweepDetail' });
export type SweepDetail = z.infer<typeof SweepDetail>;
