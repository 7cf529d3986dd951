import type { ServerResponse } from 'node:http';
import { listRunEvents, type PrismaClient, type StoredRunEvent } from '@distillery/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunEventMessage } from '../schemas/event-stream.ts';
import { EVENT_STREAM_DEFAULTS, type EventStreamOptions } from './event-stream-options.ts';

/** What a stream follows: a sweep's events, or one run's. */
export interface EventStreamTarget {
  sweepId: string;
  /** Only this run's events. */
  runId?: string;
  /** The run's or sweep's state now, and whether it is final (the stream then ends). */
  status(): Promise<{ state: string; finished: boolean }>;
}

/** Events read per query while catching up. */
const PAGE = 500;

/**
 * Serves Server-Sent Events from `run_events` (issue 4, item 8). A stream sends every event after the client's
 * `Last-Event-ID`, then waits — woken by the event source when the sweep's events commit, or by its poll timer
 * — and sends what is new, until the run or sweep has finished. Events are read from PostgreSQL by sequence
 * number, never from memory, so a reconnecting client misses nothing and one API process is as good as
 * another. Owns its open streams so the app can end them on close.
 */
export class EventStreamHub {
  private readonly open = new Set<() => void>();
  private readonly pollMs: number;
  private readonly keepAliveMs: number;

  constructor(
    private readonly db: PrismaClient,
    private readonly options: EventStreamOptions,
  ) {
    this.pollMs = options.pollMs ?? EVENT_STREAM_DEFAULTS.pollMs;
    this.keepAliveMs = options.keepAliveMs ?? EVENT_STREAM_DEFAULTS.keepAliveMs;
    for (const [name, v] of [
      ['pollMs', this.pollMs],
      ['keepAliveMs', this.keepAliveMs],
    ] as const) {
      if (!Number.isFinite(v) || v < 10) throw new RangeError(`ApiOptions.events.${name} must be ≥ 10 ms, got ${v}`);
    }
  }

  /** Answers the request with the stream (or 204 when it finished and nothing is left after `after`). */
  async serve(request: FastifyRequest, reply: FastifyReply, target: EventStreamTarget, after: number): Promise<void> {
    const { sweepId, runId } = target;
    const query = { sweepId, ...(runId ? { runId } : {}) };
    const initial = await target.status();
    if (initial.finished && (await listRunEvents(this.db, { ...query, after, limit: 1 })).length === 0) {
      await reply.code(204).send();
      return;
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');

    let closed = false;
    let dirty = false;
    let wake: (() => void) | undefined;
    const wakeUp = () => {
      dirty = true;
      wake?.();
    };
    const close = () => {
      closed = true;
      wakeUp();
    };
    res.on('close', close);
    this.open.add(close);
    const unsubscribe = this.options.source?.subscribe(sweepId, wakeUp) ?? (() => {});
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), this.keepAliveMs);
    let cursor = after;
    try {
      while (!closed) {
        dirty = false;
        // The state is read before the events: a final state's event commits with it, so it is in the read.
        const status = await target.status();
        for (;;) {
          const events = await listRunEvents(this.db, { ...query, after: cursor, limit: PAGE });
          for (const e of events) {
            if (closed) break;
            await send(res, `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(message(e))}\n\n`);
            cursor = e.seq;
          }
          if (events.length < PAGE || closed) break;
        }
        if (status.finished) {
          if (!closed) res.write(`event: end\ndata: ${JSON.stringify({ state: status.state })}\n\n`);
          break;
        }
        if (dirty) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    } catch (err) {
      request.log.error({ err, sweepId, runId }, 'event stream failed');
    } finally {
      clearInterval(keepAlive);
      unsubscribe();
      this.open.delete(close);
      res.off('close', close);
      res.end();
    }
  }

  /** Ends every open stream (the app is closing); clients reconnect elsewhere with their Last-Event-ID. */
  closeAll(): void {
    for (const close of [...this.open]) close();
  }
}

function message(e: StoredRunEvent): RunEventMessage {
  return { seq: e.seq, runId: e.runId, type: e.type, at: e.createdAt.toISOString(), data: e.data };
}

/** Writes with backpressure: waits for `drain` (or the client going away) when the socket buffer is full. */
async function send(res: ServerResponse, chunk: string): Promise<void> {
  if (res.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
