import { RUN_EVENT_TYPES } from '@distillery/db';
import { z } from 'zod';

const EventId = z.string().regex(/^\d{1,15}$/, 'an event id: a non-negative integer');

/**
 * `Last-Event-ID`: the id of the last event the client received; the stream resumes after it (EventSource
 * sends it on reconnect by itself).
 */
export const EventStreamHeaders = z.looseObject({
  'last-event-id': EventId.optional().describe('Resume after this event id (EventSource sends it on reconnect).'),
});
export type EventStreamHeaders = z.infer<typeof EventStreamHeaders>;

/** For clients that cannot set headers: the same as `Last-Event-ID` (the header wins when both are sent). */
export const EventStreamQuery = z.object({
  lastEventId: EventId.optional().describe('Resume after this event id (like the Last-Event-ID header).'),
});
export type EventStreamQuery = z.infer<typeof EventStreamQuery>;

/**
 * The `data` of each SSE message; its SSE `id` is `seq` and its SSE `event` is `type`.
 * - `state`: the run moved to `data.state` (with `attempt`, and `reason`, `resumedFromEpoch` or `notBefore` when
 *   they apply);
 * - `epoch`: the run finished an epoch (`epoch`, `epochs`, losses, accuracies, learning rate, seconds).
 * Between them, `event: progress` messages (no id, {@link RunProgressMessage}) say where a running run is within
 * its epoch, about once a second while it trains; they are not history, so a reconnect does not replay them.
 * A final message `event: end` (no id) carries the run's or sweep's terminal state before the server closes
 * the stream; reconnecting after it answers 204 (EventSource then stops). When the stream's API key is revoked
 * or expires, a final `event: error` (`{ code: 'UNAUTHORIZED', message }`) comes within one poll interval, and
 * reconnecting answers 401.
 */
export const RunEventMessage = z
  .object({
    seq: z.int().describe("The event's number within its sweep; also the SSE id."),
    runId: z.string().describe('The run the event is about.'),
    type: z.enum(RUN_EVENT_TYPES).describe('state or epoch.'),
    at: z.string().describe('ISO 8601.'),
    data: z.record(z.string(), z.unknown()).describe("The event's fields: see the message types above."),
  })
  .meta({ id: 'RunEventMessage' });
export type RunEventMessage = z.infer<typeof RunEventMessage>;

/** The `data` of an `event: progress` message: a running run's latest batch within its epoch. */
export const RunProgressMessage = z
  .object({
    runId: z.string().describe('The run.'),
    type: z.literal('progress').describe('Always `progress`.'),
    at: z.string().describe('When the worker reported it (ISO 8601).'),
    data: z
      .object({
        attempt: z.int().describe('The attempt training.'),
        epoch: z.int().describe('The epoch in progress, 1-based.'),
        epochs: z.int().describe("The run's epochs."),
        batch: z.int().describe('The last batch trained in this epoch, 1-based.'),
        batches: z.int().describe('Batches per epoch (the training rows over the batch size, rounded up).'),
      })
      .describe('Where the run is: batch `batch` of `batches` of epoch `epoch` of `epochs`.'),
  })
  .meta({ id: 'RunProgressMessage' });
export type RunProgressMessage = z.infer<typeof RunProgressMessage>;

/** How the stream looks on the wire, for the OpenAPI document. */
export const EVENT_STREAM_RESPONSE = {
  200: {
    description:
      'Server-Sent Events: `id: <seq>`, `event: state | epoch`, `data: <RunEventMessage JSON>`; `event: progress` ' +
      '(no id), `data: <RunProgressMessage JSON>` about once a second while a run trains; comment lines keep ' +
      'the connection alive; `event: end` then close when the run or sweep has finished; `event: error` then close ' +
      'when the API key is revoked or expires. A key holds a limited number of open streams (429 beyond).',
    content: { 'text/event-stream': { schema: z.string() } },
  },
  204: z.null().describe('Finished, and nothing after Last-Event-ID: do not reconnect.'),
} as const;
