import type { RunEventSource } from '@distillery/db';

export interface EventStreamOptions {
  /**
   * Wakes the streams of a sweep when its events commit (packages/db RunEventListener, one LISTEN connection).
   * @defaultValue none: streams only poll
   */
  source?: RunEventSource | undefined;
  /** How often a stream checks the database for new events regardless, in ms. @defaultValue 1000 */
  pollMs?: number | undefined;
  /** How often an idle stream sends a comment line so proxies keep it open, in ms. @defaultValue 15000 */
  keepAliveMs?: number | undefined;
}

export const EVENT_STREAM_DEFAULTS = { pollMs: 1000, keepAliveMs: 15_000 } as const;
