import type { RunEventSource } from '@distillery/db';

/** How long `GET /v1/sweeps/:id` may answer from memory, and how many sweeps it remembers. */
export interface SweepDetailCacheOptions {
  /**
   * The most time an answer is served from memory, in ms, counted from when the read that made it began; 0 reads
   * the database on every request. A notification of the sweep (every run transition, epoch and result commits
   * one) drops the answer at once, so this bounds only what notifies nothing — a run's progress within an epoch —
   * and notifications lost while the LISTEN connection reconnects.
   * @defaultValue 1_000
   */
  maxAgeMs?: number;
  /** Most (team, sweep) answers remembered; past it the oldest entry goes. @defaultValue 1_000 */
  maxEntries?: number;
}

export const DEFAULT_SWEEP_DETAIL_CACHE = {
  maxAgeMs: 1_000,
  maxEntries: 1_000,
} as const satisfies Required<SweepDetailCacheOptions>;

/** A sweep's answer as sent: the serialized JSON body and its entity tag. */
export interface SweepDetailAnswer {
  body: string;
  /** A strong entity tag of `body` (quoted), for `If-None-Match`. */
  etag: string;
}

/** A read in flight, shared by the requests that arrive while it runs, with the versions it started under. */
interface PendingRead {
  promise: Promise<SweepDetailAnswer>;
  version: number;
  generation: number;
}

interface Entry {
  /** Moves on every notification of the sweep: a read that began before it is not stored. */
  version: number;
  answer: SweepDetailAnswer | undefined;
  /** When `answer` stops being served (ms since the epoch). */
  until: number;
  /** The cache's write generation `answer` was read under. */
  generation: number;
  pending: PendingRead | undefined;
  unsubscribe: () => void;
}

/**
 * `GET /v1/sweeps/:id` answers as read a moment ago, so a polled sweep costs the database one statement per
 * change instead of one per request (bench/results/orchestration.md). Keyed by team and sweep, and consulted
 * only after the auth hook has resolved the caller's key, so a team never sees another team's entry and a
 * revoked key is refused before the cache is asked.
 *
 * What an answer reflects (the guarantee):
 * - every change whose notification reached this process before the request arrived: the entry subscribes to
 *   its sweep's notifications before its first read, a notification drops the stored answer, and a read that was
 *   in flight when one arrived serves only the requests that came before it (`version`);
 * - every write request this process answered before the request arrived (`noteWrite`, called before the write's
 *   answer is sent): a client's cancel is on its next read without waiting for the notification;
 * - anything else (progress within an epoch, a notification lost while reconnecting) within `maxAgeMs`.
 *
 * Without an event source nothing would drop an answer when a run changes, so nothing is remembered.
 */
export class SweepDetailCache {
  readonly options: Required<SweepDetailCacheOptions>;
  private readonly entries = new Map<string, Entry>();
  private generation = 0;

  constructor(
    private readonly source: RunEventSource | undefined,
    options: SweepDetailCacheOptions = {},
  ) {
    this.options = { ...DEFAULT_SWEEP_DETAIL_CACHE, ...options };
    const { maxAgeMs, maxEntries } = this.options;
    if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) {
      throw new RangeError(`ApiOptions.sweepDetailCache.maxAgeMs must be a finite number ≥ 0 (ms), got ${maxAgeMs}`);
    }
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`ApiOptions.sweepDetailCache.maxEntries must be an integer ≥ 1, got ${maxEntries}`);
    }
  }

  /** Whether answers are remembered at all (an event source and a positive `maxAgeMs`). */
  get enabled(): boolean {
    return this.source !== undefined && this.options.maxAgeMs > 0;
  }

  /**
   * The team's answer for the sweep: remembered if still valid, else joined to a read in flight that began after
   * the last notification and write, else from `read` (whose rejection, a 404 included, is passed on and not
   * remembered).
   */
  get(
    teamId: string,
    sweepId: string,
    read: () => Promise<SweepDetailAnswer>,
    now: number = Date.now(),
  ): Promise<SweepDetailAnswer> {
    if (!this.enabled) return read();
    const key = `${teamId}/${sweepId}`;
    const entry = this.entries.get(key) ?? this.add(key, sweepId);
    const { answer, pending } = entry;
    if (answer !== undefined && entry.until > now && entry.generation === this.generation) {
      return Promise.resolve(answer);
    }
    if (pending !== undefined && pending.version === entry.version && pending.generation === this.generation) {
      return pending.promise;
    }
    const started: PendingRead = { promise: read(), version: entry.version, generation: this.generation };
    entry.pending = started;
    started.promise.then(
      (read) => {
        if (entry.pending === started) entry.pending = undefined;
        if (this.entries.get(key) !== entry) return;
        if (started.version !== entry.version || started.generation !== this.generation) return;
        entry.answer = read;
        entry.until = now + this.options.maxAgeMs;
        entry.generation = started.generation;
      },
      () => {
        if (entry.pending === started) entry.pending = undefined;
        // Nothing to keep for a sweep that is not (or no longer) found: let its subscription go.
        if (entry.answer === undefined && entry.pending === undefined) this.remove(key, entry);
      },
    );
    return started.promise;
  }

  /**
   * This process answered a request that may have changed sweeps (a submit or a cancel): nothing read before it
   * is served again. Writes are rare beside reads, so every entry goes rather than working out which.
   */
  noteWrite(): void {
    this.generation++;
  }

  /** Ends every subscription (the app is closing). */
  close(): void {
    for (const [key, entry] of this.entries) this.remove(key, entry);
  }

  /** Entries held, for tests and metrics. */
  get size(): number {
    return this.entries.size;
  }

  private add(key: string, sweepId: string): Entry {
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.entries().next();
      if (oldest.done !== true) this.remove(oldest.value[0], oldest.value[1]);
    }
    const entry: Entry = {
      version: 0,
      answer: undefined,
      until: 0,
      generation: 0,
      pending: undefined,
      unsubscribe: () => {},
    };
    // Subscribed before the first read begins, so no notification between the read and the subscription is missed.
    entry.unsubscribe = (this.source as RunEventSource).subscribe(sweepId, () => {
      entry.version++;
      entry.answer = undefined;
    });
    this.entries.set(key, entry);
    return entry;
  }

  private remove(key: string, entry: Entry): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
    entry.unsubscribe();
  }
}
