import { SweepCancelResult } from '../../../../schemas/cancel-result.ts';
import { cancelRoute } from '../../cancel-route.ts';

/** `POST /v1/sweeps/:id/cancel`: stop a whole sweep. */
export default cancelRoute({
  target: 'sweep',
  tag: 'sweeps',
  summary: 'Cancel a sweep',
  description:
    'Every unfinished run of the sweep is cancelled: queued work is removed, running training stops within ' +
    'one batch, no result is written for them. A run that another sweep reuses or waits for (and what it ' +
    'waits for) keeps going for it. The unfinished runs this sweep reuses from earlier sweeps carry on there ' +
    'and count as cancelled here. Idempotent.',
  result: SweepCancelResult,
});
