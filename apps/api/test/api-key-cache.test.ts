import { type ApiKeyIdentity, createApiKey, PgPoolStore, type ResolvedApiKey, revokeApiKey } from '@distillery/db';
import { describe, expect, it } from 'vitest';
import { ApiKeyCache } from '../src/lib/api-key-cache.ts';
import { type TestApi, useTestApi } from './helper.ts';

const IDENTITY: ApiKeyIdentity = { teamId: 't', teamName: 'team', apiKeyId: 'k1', keyName: 'ci', role: 'member' };

/** A lookup answering `resolved` that counts how often the database would have been asked. */
function counted(resolved: ResolvedApiKey | null) {
  const lookup = async () => {
    lookup.calls++;
    return resolved;
  };
  lookup.calls = 0;
  return lookup;
}

const VALID: ResolvedApiKey = { identity: IDENTITY, expiresAt: null };

describe('ApiKeyCache', () => {
  it('answers a key it resolved less than ttlMs ago without asking again, and asks once that has passed', async () => {
    const cache = new ApiKeyCache(() => 0, { ttlMs: 1000 });
    const lookup = counted(VALID);
    expect(await cache.resolve('dst_a', lookup, 0)).toEqual(IDENTITY);
    expect(await cache.resolve('dst_a', lookup, 999)).toEqual(IDENTITY);
    expect(lookup.calls).toBe(1);
    expect(await cache.resolve('dst_a', lookup, 1000)).toEqual(IDENTITY);
    expect(lookup.calls).toBe(2);
  });

  it('asks again once the process has changed a key, even for a lookup in flight when it did', async () => {
    let changes = 0;
    const cache = new ApiKeyCache(() => changes);
    await cache.resolve('dst_a', counted(VALID), 0);
    changes++;
    const revoked = counted(null);
    expect(await cache.resolve('dst_a', revoked, 1)).toBeNull();
    expect(revoked.calls).toBe(1);
    // This lookup read the key just before it was revoked: its answer serves this request but is not reused.
    const racing = async () => {
      changes++;
      return VALID;
    };
    expect(await cache.resolve('dst_b', racing, 2)).toEqual(IDENTITY);
    const after = counted(null);
    expect(await cache.resolve('dst_b', after, 3)).toBeNull();
    expect(after.calls).toBe(1);
  });

  it('never remembers unknown keys', async () => {
    const cache = new ApiKeyCache(() => 0);
    const unknown = counted(null);
    await cache.resolve('dst_x', unknown, 0);
    await cache.resolve('dst_x', unknown, 1);
    expect(unknown.calls).toBe(2);
  });

  it('stops serving a key at its own expiry, whatever the TTL', async () => {
    const cache = new ApiKeyCache(() => 0, { ttlMs: 60_000 });
    await cache.resolve('dst_a', counted({ identity: IDENTITY, expiresAt: new Date(500) }), 0);
    const expired = counted(null);
    expect(await cache.resolve('dst_a', expired, 500)).toBeNull();
    expect(expired.calls).toBe(1);
  });

  it('asks on every request with ttlMs 0, and rejects a negative TTL naming the option', async () => {
    const cache = new ApiKeyCache(() => 0, { ttlMs: 0 });
    const lookup = counted(VALID);
    await cache.resolve('dst_a', lookup, 0);
    await cache.resolve('dst_a', lookup, 0);
    expect(lookup.calls).toBe(2);
    expect(() => new ApiKeyCache(() => 0, { ttlMs: -1 })).toThrow(
      'ApiKeyCacheOptions.ttlMs must be a finite number ≥ 0',
    );
  });

  it('forgets the oldest key past maxEntries', async () => {
    const cache = new ApiKeyCache(() => 0, { maxEntries: 1 });
    const a = counted(VALID);
    await cache.resolve('dst_a', a, 0);
    await cache.resolve('dst_b', counted(VALID), 0);
    await cache.resolve('dst_a', a, 1);
    expect(a.calls).toBe(2);
  });
});

/** A new viewer key of the suite's team, and the team as that key (for `api.request`'s `as`). */
async function viewerKey(api: TestApi, name: string) {
  const key = await createApiKey(api.store, api.team.teamId, { role: 'viewer', name });
  return { key, asKey: { teamId: api.team.teamId, apiKey: key.apiKey } };
}

/** Revokes the key through a store of its own on the same database: what another process does. */
async function revokeElsewhere(api: TestApi, apiKeyId: string): Promise<void> {
  const elsewhere = new PgPoolStore(api.databaseUrl);
  try {
    expect(await revokeApiKey(elsewhere, apiKeyId)).toBe(true);
  } finally {
    await elsewhere.close();
  }
}

describe('a key cached by the auth hook', () => {
  // A TTL far longer than the test, so only the revocation can end the cached key.
  const api = useTestApi({ apiKeyCache: { ttlMs: 600_000 } });

  it('is refused on its very next request once revoked through the API', async () => {
    const { key, asKey } = await viewerKey(api, 'laptop');
    expect((await api.request({ method: 'GET', url: '/v1/me', as: asKey })).statusCode).toBe(200);
    expect((await api.request({ method: 'GET', url: '/v1/me', as: asKey })).statusCode).toBe(200);
    const revoked = await api.request({ method: 'DELETE', url: `/v1/keys/${key.apiKeyId}` });
    expect(revoked.statusCode).toBe(204);
    const refused = await api.request({ method: 'GET', url: '/v1/me', as: asKey });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.message).toBe('the API key is unknown, revoked or expired');
  });

  it('is refused on its next request once this process revokes it through the store', async () => {
    const { key, asKey } = await viewerKey(api, 'script');
    expect((await api.request({ method: 'GET', url: '/v1/me', as: asKey })).statusCode).toBe(200);
    expect(await revokeApiKey(api.store, key.apiKeyId)).toBe(true);
    expect((await api.request({ method: 'GET', url: '/v1/me', as: asKey })).statusCode).toBe(401);
  });

  it('is served from memory until its TTL when revoked by another process', async () => {
    const { key, asKey } = await viewerKey(api, 'elsewhere');
    expect((await api.request({ method: 'GET', url: '/v1/me', as: asKey })).statusCode).toBe(200);
    // Revoked by another connection, as another process would: this process is not told.
    await revokeElsewhere(api, key.apiKeyId);
    expect((await api.request({ method: 'GET', url: '/v1/me', as: asKey })).statusCode).toBe(200);
  });
});

describe('a key revoked by another process, with a short TTL', () => {
  const api = useTestApi({ apiKeyCache: { ttlMs: 200 } });

  it('is refused once the TTL has passed', async () => {
    const { key, asKey } = await viewerKey(api, 'elsewhere');
    expect((await api.request({ method: 'GET', url: '/v1/me', as: asKey })).statusCode).toBe(200);
    await revokeElsewhere(api, key.apiKeyId);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await api.request({ method: 'GET', url: '/v1/me', as: asKey })).statusCode).toBe(401);
  });
});
