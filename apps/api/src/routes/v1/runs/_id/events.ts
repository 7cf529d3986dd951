import { runStreamTarget } from '../../../../services/event-stream-targets.ts';
import { eventStreamRoute } from '../../event-stream-route.ts';

/** `GET /v1/runs/:id/events`: a run's state changes and epochs as Server-Sent Events. */
const runEvents = eventStreamRoute({
  tag: 'runs',
  summary: "A run's live progress (SSE)",
  description:
    'Every state change and finished epoch of the run, from the beginning or after `Last-Event-ID`, then live ' +
    'until the run finishes. Reconnecting with `Last-Event-ID` misses nothing.',
  target: runStreamTarget,
});

export default runEvents;
