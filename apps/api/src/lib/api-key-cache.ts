import { type ApiKeyIdentity, hashApiKey, type ResolvedApiKey } from '@distillery/db';

/** How long the auth hook trusts a key it resolved, and how many keys it remembers. */
export interface ApiKeyCacheOptions {
  /**
   * How long a resolved key is used without asking the database again, in ms; 0 asks on every request. A key
   * changed by this process (revoked through this API, edited through its store) is asked again at once; one
   * revoked by another process (another API server, the CLI on the database directly) keeps working here for at
   * most this long.
   * @defaultValue 5_000
   */
  ttlMs?: number;
  /** Most keys remembered; past it the oldest entry goes. @defaultValue 10_000 */
  maxEntries?: number;
}

export const DEFAULT_API_KEY_CACHE = {
  ttlMs: 5_000,
  maxEntries: 10_000,
} as const satisfies Required<ApiKeyCacheOptions>;

interface Entry {
  resolved: ResolvedApiKey;
  /** When the entry stops being trusted (ms since the epoch). */
  until: number;
  /** The change count the lookup started at. */
  changes: number;
}

/**
 * Valid API keys as resolved a moment ago, so a request does not wait for a database round trip to learn who is
 * calling (bench/results/store.md). Only valid keys are remembered, by the key's sha256 (never the secret);
 * unknown keys always go to the database (and count as failed authentications). A key's own expiry is checked
 * on every use, so caching never stretches it. `changes` is a count that moves whenever this process changes a
 * key (apiKeyChangeCount): an entry resolved before it moved is not used, so a revocation here is seen at once,
 * even by a lookup that was in flight when it happened.
 */
export class ApiKeyCache {
  readonly options: Required<ApiKeyCacheOptions>;
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly changes: () => number,
    options: ApiKeyCacheOptions = {},
  ) {
    this.options = { ...DEFAULT_API_KEY_CACHE, ...options };
    const { ttlMs, maxEntries } = this.options;
    if (!Number.isFinite(ttlMs) || ttlMs < 0) {
      throw new RangeError(`ApiKeyCacheOptions.ttlMs must be a finite number ≥ 0 (ms), got ${ttlMs}`);
    }
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`ApiKeyCacheOptions.maxEntries must be an integer ≥ 1, got ${maxEntries}`);
    }
  }

  /** The key's identity: remembered if resolved less than `ttlMs` ago and unchanged since, else from `lookup`. */
  async resolve(
    apiKey: string,
    lookup: () => Promise<ResolvedApiKey | null>,
    now: number = Date.now(),
  ): Promise<ApiKeyIdentity | null> {
    if (this.options.ttlMs === 0) return (await lookup())?.identity ?? null;
    const hash = hashApiKey(apiKey);
    const changes = this.changes();
    const hit = this.entries.get(hash);
    if (hit !== undefined) {
      const expired = hit.resolved.expiresAt !== null && hit.resolved.expiresAt.getTime() <= now;
      if (hit.until > now && hit.changes === changes && !expired) return hit.resolved.identity;
      this.entries.delete(hash);
    }
    const resolved = await lookup();
    if (resolved === null) return null;
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(hash, { resolved, until: now + this.options.ttlMs, changes });
    return resolved.identity;
  }
}
