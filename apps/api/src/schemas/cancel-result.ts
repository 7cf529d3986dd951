import { RunState, SweepState } from '@distillery/spec';
import { z } from 'zod';

/** `POST /v1/runs/:id/cancel`: idempotent; a finished run is left as it is. */
export const RunCancelResult = z
  .object({
    id: z.string().describe('The id the request named.'),
    state: RunState.describe(
      "The run's state after the request: `cancelled`, or the state it had already finished in.",
    ),
    cancelledRunIds: z
      .array(z.string())
      .describe(
        'Runs this request cancelled: the run and everything downstream of it; empty if nothing was left to cancel.',
      ),
  })
  .meta({ id: 'RunCancelResult' });
export type RunCancelResult = z.infer<typeof RunCancelResult>;

/** `POST /v1/sweeps/:id/cancel`: idempotent. */
export const SweepCancelResult = z
  .object({
    id: z.string().describe('The id the request named.'),
    state: SweepState.describe(
      "The sweep's state after the request: `cancelled`, or the state it had already finished in — or still " +
        "`running` while a teacher of this sweep trains on because another sweep's runs wait for it.",
    ),
    cancelledRunIds: z.array(z.string()).describe('Runs this request cancelled; empty if nothing was left to cancel.'),
  })
  .meta({ id: 'SweepCancelResult' });
export type SweepCancelResult = z.infer<typeof SweepCancelResult>;
