import { RunCancelResult } from '../../../../schemas/cancel-result.ts';
import { cancelRoute } from '../../cancel-route.ts';

/** `POST /v1/runs/:id/cancel`: stop a run and everything that depends on it. */
export default cancelRoute({
  target: 'run',
  tag: 'runs',
  summary: 'Cancel a run and its dependents',
  description:
    'A waiting or queued run never starts; a running one stops within one batch. Runs downstream of it (in ' +
    'any sweep) are cancelled with the reason recorded. No result is written for a cancelled run. ' +
    'Idempotent: a finished run is left as it is and `cancelledRunIds` is empty.',
  result: RunCancelResult,
});
