import { sweepStreamTarget } from '../../../../services/event-stream-targets.ts';
import { eventStreamRoute } from '../../event-stream-route.ts';

/** `GET /v1/sweeps/:id/events`: every run's state changes and epochs as Server-Sent Events. */
const sweepEvents = eventStreamRoute({
  tag: 'sweeps',
  summary: "A sweep's live progress (SSE)",
  description:
    "Every state change and finished epoch of the sweep's runs, from the beginning or after `Last-Event-ID`, " +
    'then live until the sweep finishes. Reconnecting with `Last-Event-ID` misses nothing.',
  target: sweepStreamTarget,
});

export default sweepEvents;
