import type { Store } from '../store/store.ts';
import { type ApiKeyRole, isApiKeyRole } from './api-key-role.ts';
import { hashApiKey } from './api-key-secret.ts';

/** `last_used_at` is refreshed at most this often per key, so authenticating does not write on every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Who a valid key speaks for. */
export interface ApiKeyIdentity {
  teamId: string;
  teamName: string;
  apiKeyId: string;
  /** The key's `name` (who holds it); may be empty. */
  keyName: string;
  role: ApiKeyRole;
}

/** A valid key's identity and when it stops authenticating by itself (null: never). */
export interface ResolvedApiKey {
  identity: ApiKeyIdentity;
  expiresAt: Date | null;
}

interface KeyRow {
  id: string;
  name: string;
  role: string;
  revokedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  teamId: string;
  teamName: string;
}

/** The identity behind a bearer key, or null for an unknown, revoked or expired key (see resolveApiKey). */
export async function authenticateApiKey(
  store: Store,
  apiKey: string,
  now: Date = new Date(),
): Promise<ApiKeyIdentity | null> {
  return (await resolveApiKey(store, apiKey, now))?.identity ?? null;
}

/**
 * The identity behind a bearer key and its expiry, or null for an unknown, revoked or expired key (all three
 * stop authenticating at once: nothing is cached here).
 *
 * The key is hashed and looked up by its hash through the unique index: the comparison happens on sha256 digests
 * inside PostgreSQL, never on the secret, so a timing difference reveals nothing about the key itself and a
 * constant-time comparison would add nothing. One statement on the store's pool (the API's auth hook calls this
 * for every key it has not seen in the last seconds).
 */
export async function resolveApiKey(
  store: Store,
  apiKey: string,
  now: Date = new Date(),
): Promise<ResolvedApiKey | null> {
  if (apiKey === '') return null;
  const [key] = await store.rows<KeyRow>`SELECT k.id, k.name, k.role, k.revoked_at AS "revokedAt",
      k.expires_at AS "expiresAt", k.last_used_at AS "lastUsedAt", t.id AS "teamId", t.name AS "teamName"
    FROM api_keys k JOIN teams t ON t.id = k.team_id WHERE k.hash = ${hashApiKey(apiKey)}`;
  if (key === undefined || key.revokedAt !== null) return null;
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) return null;
  // A role the code does not know (written by a newer version) grants nothing rather than too much.
  if (!isApiKeyRole(key.role)) return null;

  if (key.lastUsedAt === null || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // Conditional so concurrent requests write once; a lost race only skips a redundant write.
    const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    await store.run`UPDATE api_keys SET last_used_at = ${now} WHERE id = ${key.id}::uuid
      AND (last_used_at IS NULL OR last_used_at <= ${staleBefore})`;
  }
  const identity = { teamId: key.teamId, teamName: key.teamName, apiKeyId: key.id, keyName: key.name, role: key.role };
  return { identity, expiresAt: key.expiresAt };
}
