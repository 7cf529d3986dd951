import { TooManyStreamsError } from '../errors/http-errors.ts';

/** The most open streams one API key, one team and the whole process may hold. */
export interface StreamCapLimits {
  perKey: number;
  perTeam: number;
  total: number;
}

/** What a client refused for a cap is told to wait, in seconds: streams last minutes, so a guess. */
const STREAM_RETRY_AFTER_S = 10;

/**
 * Counts open event streams per key, per team and in total, and refuses one more past any cap. A team may hold
 * many keys, so the team's cap is what bounds one team's load; the total bounds the process's.
 */
export class StreamCaps {
  private total = 0;
  private readonly held = new Map<string, number>();

  constructor(private readonly limits: StreamCapLimits) {}

  /** Open streams now. */
  get size(): number {
    return this.total;
  }

  /**
   * Counts a stream at once (no await between check and count, so concurrent requests cannot both pass), or
   * throws {@link TooManyStreamsError}. Returns the release, which is idempotent.
   */
  reserve(apiKeyId: string, teamId: string): () => void {
    const key = `key:${apiKeyId}`;
    const team = `team:${teamId}`;
    if ((this.held.get(key) ?? 0) >= this.limits.perKey) {
      throw new TooManyStreamsError('key', this.limits.perKey, STREAM_RETRY_AFTER_S);
    }
    if ((this.held.get(team) ?? 0) >= this.limits.perTeam) {
      throw new TooManyStreamsError('team', this.limits.perTeam, STREAM_RETRY_AFTER_S);
    }
    if (this.total >= this.limits.total)
      throw new TooManyStreamsError('server', this.limits.total, STREAM_RETRY_AFTER_S);
    for (const k of [key, team]) this.held.set(k, (this.held.get(k) ?? 0) + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      for (const k of [key, team]) {
        const left = (this.held.get(k) ?? 1) - 1;
        if (left === 0) this.held.delete(k);
        else this.held.set(k, left);
      }
    };
  }
}
