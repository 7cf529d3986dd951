import type { PGlite } from '@electric-sql/pglite';
import type { RunEventSource } from '../events/run-event-listener.ts';
import { SweepSubscribers } from '../events/sweep-subscribers.ts';
import { RUN_EVENTS_CHANNEL } from '../runs/run-events.ts';

/**
 * The embedded store's {@link RunEventSource}: PGlite delivers NOTIFY to its own LISTENers (measured: both a
 * plain `pg_notify` and one inside a committed transaction arrive, after commit), so run transitions wake
 * SSE streams as they do on a server; streams poll as well, so a missed wake-up only costs latency.
 */
export class PgliteRunEventSource implements RunEventSource {
  private readonly subscribers = new SweepSubscribers();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly db: PGlite) {}

  /** Starts listening; resolves once LISTEN is in place. */
  async start(): Promise<void> {
    this.unlisten ??= await this.db.listen(RUN_EVENTS_CHANNEL, (sweepId) => {
      this.subscribers.wake(sweepId);
    });
  }

  subscribe(sweepId: string, onEvents: () => void): () => void {
    return this.subscribers.subscribe(sweepId, onEvents);
  }

  async close(): Promise<void> {
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    if (unlisten && !this.db.closed) await unlisten().catch(() => {});
  }
}
