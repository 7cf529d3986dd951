import { RunState, SweepState } from '@distillery/spec';
import { z } from 'zod';

/** `POST /v1/runs/:id/cancel`: idempotent; a finished run is left as it is. */
export const RunCancelResult = z
  .object({
    id: z.string(),
    /** The run's state after the request: `cancelled`, or the state it had already finished in. */
    state: RunState,
    /** Runs this request cancelled: the run and everything downstream of it; empty if nothing was left to cancel. */
    cancelledRunIds: z.array(z.string()),
  })
  .meta({ id: 'RunCancelResult' });
export type RunCancelResult = z.infer<typeof RunCancelResult>;

/** `POST /v1/sweeps/:id/cancel`: idempotent. */
export const SweepCancelResult = z
  .object({
    id: z.string(),
    /**
     * The sweep's state after the request: `cancelled`, or the state it had already finished in — or still
     * `running` while a teacher of this sweep trains on because another sweep's runs wait for it.
     */
    state: SweepState,
    /** Runs this request cancelled; empty if nothing was left to cancel. */
    cancelledRunIds: z.array(z.string()),
  })
  .meta({ id: 'SweepCancelResult' });
export type SweepCancelResult = z.infer<typeof SweepCancelResult>;
