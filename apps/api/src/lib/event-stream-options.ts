import type { RunEventSource } from '@distillery/db';

export interface EventStreamOptions {
  /**
   * Wakes the streams of a sweep when its events commit (packages/db RunEventListener, one LISTEN connection).
   * @defaultValue none: streams only poll
   */
  source?: RunEventSource | undefined;
  /**
   * How often a stream checks the database for new events regardless, and re-checks its API key (a revoked or
   * expired key's stream ends within one interval), in ms. @defaultValue 1000
   */
  pollMs?: number | undefined;
  /** How often an idle stream sends a comment line so proxies keep it open, in ms. @defaultValue 15000 */
  keepAliveMs?: number | undefined;
  /**
   * Open streams one API key may hold in this process; one more answers 429 TOO_MANY_STREAMS with `retry-after`.
   * @defaultValue 8
   */
  maxStreamsPerKey?: number | undefined;
  /**
   * Open streams all keys of one team may hold in this process (a team may make many keys); one more answers 429.
   * @defaultValue 32
   */
  maxStreamsPerTeam?: number | undefined;
  /**
   * Open streams in this process, all keys together (each polls the database); one more answers 429.
   * @defaultValue 256
   */
  maxStreams?: number | undefined;
}

export const EVENT_STREAM_DEFAULTS = {
  pollMs: 1000,
  keepAliveMs: 15_000,
  maxStreamsPerKey: 8,
  maxStreamsPerTeam: 32,
  maxStreams: 256,
} as const satisfies EventStreamOptions;
