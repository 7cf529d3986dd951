import pg from 'pg';
import { RUN_EVENTS_CHANNEL } from '../runs/run-events.ts';
import { SweepSubscribers } from './sweep-subscribers.ts';

/** Wakes whoever follows a sweep's events; see {@link RunEventListener}. */
export interface RunEventSource {
  /** `onEvents` runs (without arguments: read the events from the database) when the sweep's events commit. */
  subscribe(sweepId: string, onEvents: () => void): () => void;
}

export interface RunEventListenerOptions {
  /** Pause before reconnecting after the connection dropped, in ms. @defaultValue 1000 */
  reconnectDelayMs?: number;
  /** Told about connection errors (the listener keeps reconnecting). @defaultValue ignore */
  onError?: (error: Error) => void;
}

/**
 * One PostgreSQL connection that LISTENs on {@link RUN_EVENTS_CHANNEL} and wakes the subscribers of a sweep
 * when a transaction that recorded its events commits (run transitions NOTIFY in the same transaction).
 * Notifications are only a wake-up: subscribers read from `run_events` after the last seq they sent, so a
 * notification lost while reconnecting costs latency, not events — subscribers also poll (apps/api). After a
 * reconnect every subscriber is woken once, since whatever committed while the connection was down notified no one.
 */
export class RunEventListener implements RunEventSource {
  private readonly subscribers = new SweepSubscribers();
  private client: pg.Client | undefined;
  private closed = false;
  /** Connections that reached LISTEN, the first included. */
  private connections = 0;
  private readonly options: Required<RunEventListenerOptions>;

  constructor(
    private readonly databaseUrl: string,
    options: RunEventListenerOptions = {},
  ) {
    this.options = { reconnectDelayMs: 1000, onError: () => {}, ...options };
  }

  /** Connects and starts listening; resolves once LISTEN is in place. */
  async start(): Promise<void> {
    // Bounded connect, and keep-alive probes so a silent server is noticed on an otherwise idle connection.
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      connectionTimeoutMillis: 5000,
      keepAlive: true,
    });
    client.on('notification', (n) => {
      if (n.channel !== RUN_EVENTS_CHANNEL || !n.payload) return;
      this.subscribers.wake(n.payload);
    });
    client.on('error', (e) => {
      this.options.onError(e);
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    await client.connect();
    await client.query(`LISTEN ${RUN_EVENTS_CHANNEL}`);
    const reconnected = this.connections > 0;
    this.connections++;
    this.client = client;
    if (reconnected) this.subscribers.wakeAll();
  }

  private reconnect(dead: pg.Client): void {
    if (this.closed || this.client !== dead) return;
    this.client = undefined;
    dead.removeAllListeners();
    dead.end().catch(() => {});
    setTimeout(() => {
      if (this.closed) return;
      this.start().catch((e: Error) => {
        this.options.onError(e);
        this.client = dead;
        this.reconnect(dead);
      });
    }, this.options.reconnectDelayMs).unref();
  }

  subscribe(sweepId: string, onEvents: () => void): () => void {
    return this.subscribers.subscribe(sweepId, onEvents);
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      await client.end().catch(() => {});
    }
  }
}
