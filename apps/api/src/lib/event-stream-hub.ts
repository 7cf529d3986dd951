import type { ServerResponse } from 'node:http';
import {
  apiKeyIsActive,
  listBatchProgress,
  listRunEvents,
  type Store,
  type StoredBatchProgress,
  type StoredRunEvent,
} from '@distillery/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunEventMessage, RunProgressMessage } from '../schemas/event-stream.ts';
import { EVENT_STREAM_DEFAULTS, type EventStreamOptions } from './event-stream-options.ts';
import { StreamCaps } from './stream-caps.ts';

/** What a stream follows: a sweep's events, or one run's. */
export interface EventStreamTarget {
  sweepId: string;
  /** Only this run's events. */
  runId?: string;
  /** The run's or sweep's state now, and whether it is final (the stream then ends). */
  status(): Promise<{ state: string; finished: boolean }>;
}

/** A stream to serve: what it follows, where it resumes, and whose key opened it. */
export interface EventStreamRequest {
  target: EventStreamTarget;
  /** Send the events after this sequence number. */
  after: number;
  /** The API key that opened the stream: it counts against the key's cap, and the stream ends with the key. */
  apiKeyId: string;
  /** The key's team: the stream counts against the team's cap. */
  teamId: string;
}

/** Events read per query while catching up. */
const PAGE = 500;

/**
 * Serves Server-Sent Events from `run_events`. A stream sends every event after the client's
 * `Last-Event-ID`, then waits — woken by the event source when the sweep's events commit, or by its poll timer
 * — and sends what is new, until the run or sweep has finished. Events are read from PostgreSQL by sequence
 * number, never from memory, so a reconnecting client misses nothing and one API process is as good as
 * another. Owns its open streams so the app can end them on close. Each pass also sends the running runs'
 * progress within their epochs reported since the last pass (`event: progress`, no id: a latest value read from
 * the runs, not history; a reconnecting client gets each running run's latest report).
 *
 * A stream outlives the request's authentication, so it re-checks its key on every poll and ends (`event:
 * error`, code UNAUTHORIZED) within one poll interval of the key's revocation or expiry. Each stream costs
 * database work every interval, so streams are capped per key, per team and in total (429 TOO_MANY_STREAMS).
 */
export class EventStreamHub {
  private readonly open = new Set<() => void>();
  /** Streams counted against the caps: served, or about to be. */
  private readonly caps: StreamCaps;
  private readonly pollMs: number;
  private readonly keepAliveMs: number;

  constructor(
    private readonly db: Store,
    private readonly options: EventStreamOptions,
  ) {
    this.pollMs = options.pollMs ?? EVENT_STREAM_DEFAULTS.pollMs;
    this.keepAliveMs = options.keepAliveMs ?? EVENT_STREAM_DEFAULTS.keepAliveMs;
    const limits = {
      perKey: options.maxStreamsPerKey ?? EVENT_STREAM_DEFAULTS.maxStreamsPerKey,
      perTeam: options.maxStreamsPerTeam ?? EVENT_STREAM_DEFAULTS.maxStreamsPerTeam,
      total: options.maxStreams ?? EVENT_STREAM_DEFAULTS.maxStreams,
    };
    for (const [name, v] of [
      ['pollMs', this.pollMs],
      ['keepAliveMs', this.keepAliveMs],
    ] as const) {
      if (!Number.isFinite(v) || v < 10) throw new RangeError(`ApiOptions.events.${name} must be ≥ 10 ms, got ${v}`);
    }
    for (const [name, v] of [
      ['maxStreamsPerKey', limits.perKey],
      ['maxStreamsPerTeam', limits.perTeam],
      ['maxStreams', limits.total],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 1) {
        throw new RangeError(`ApiOptions.events.${name} must be a positive integer, got ${v}`);
      }
    }
    this.caps = new StreamCaps(limits);
  }

  /** Open streams now (for tests and metrics). */
  get size(): number {
    return this.caps.size;
  }

  /**
   * Answers the request with the stream (or 204 when it finished and nothing is left after `after`); throws
   * {@link TooManyStreamsError} when one more stream would pass a cap.
   */
  async serve(request: FastifyRequest, reply: FastifyReply, stream: EventStreamRequest): Promise<void> {
    const release = this.caps.reserve(stream.apiKeyId, stream.teamId);
    try {
      await this.stream(request, reply, stream);
    } finally {
      release();
    }
  }

  private async stream(
    request: FastifyRequest,
    reply: FastifyReply,
    { target, after, apiKeyId }: EventStreamRequest,
  ): Promise<void> {
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
    /** The latest batch progress sent: later reports only (a latest value per run, sent without an id). */
    let progressSince: Date | undefined;
    try {
      // The key is checked on every pass, and again while a long backlog goes to a slow client: a stream ends
      // within one poll interval of its key's revocation or expiry, however much it still has to send.
      let keyCheckedAt = 0;
      const keyRevoked = async () => {
        keyCheckedAt = performance.now();
        if (await apiKeyIsActive(this.db, apiKeyId)) return false;
        const error = { code: 'UNAUTHORIZED', message: 'the API key was revoked or has expired' };
        res.write(`event: error\ndata: ${JSON.stringify(error)}\n\n`);
        return true;
      };
      while (!closed) {
        dirty = false;
        if (await keyRevoked()) break;
        // The state is read before the events: a final state's event commits with it, so it is in the read.
        const status = await target.status();
        let revoked = false;
        for (;;) {
          const events = await listRunEvents(this.db, { ...query, after: cursor, limit: PAGE });
          for (const e of events) {
            if (closed) break;
            if (performance.now() - keyCheckedAt >= this.pollMs && (await keyRevoked())) {
              revoked = true;
              break;
            }
            await send(res, `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(message(e))}\n\n`);
            cursor = e.seq;
          }
          if (events.length < PAGE || closed || revoked) break;
        }
        if (revoked) break;
        const reports = await listBatchProgress(this.db, {
          ...query,
          ...(progressSince ? { since: progressSince } : {}),
        });
        for (const p of reports) {
          if (closed) break;
          await send(res, `event: progress\ndata: ${JSON.stringify(progressMessage(p))}\n\n`);
          progressSince = p.at;
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

function progressMessage(p: StoredBatchProgress): RunProgressMessage {
  return { runId: p.runId, type: 'progress', at: p.at.toISOString(), data: p.progress };
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
