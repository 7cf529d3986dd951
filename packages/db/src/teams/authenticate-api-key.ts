import { prismaOf } from '../store/prisma-of.ts';
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

/**
 * The identity behind a bearer key, or null for an unknown, revoked or expired key (all three stop
 * authenticating at once: nothing is cached).
 *
 * The key is hashed and looked up by its hash through the unique index: the comparison happens on sha256 digests
 * inside PostgreSQL, never on the secret, so a timing difference reveals nothing about the key itself and a
 * constant-time comparison would add nothing.
 */
export async function authenticateApiKey(
  store: Store,
  apiKey: string,
  now: Date = new Date(),
): Promise<ApiKeyIdentity | null> {
  const db = prismaOf(store);
  if (apiKey === '') return null;
  const key = await db.apiKey.findUnique({
    where: { hash: hashApiKey(apiKey) },
    select: {
      id: true,
      name: true,
      role: true,
      revokedAt: true,
      expiresAt: true,
      lastUsedAt: true,
      team: { select: { id: true, name: true } },
    },
  });
  if (key === null || key.revokedAt !== null) return null;
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) return null;
  // A role the code does not know (written by a newer version) grants nothing rather than too much.
  if (!isApiKeyRole(key.role)) return null;

  if (key.lastUsedAt === null || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // Conditional so concurrent requests write once; a lost race only skips a redundant write.
    const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    await db.apiKey.updateMany({
      where: { id: key.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: staleBefore } }] },
      data: { lastUsedAt: now },
    });
  }
  return { teamId: key.team.id, teamName: key.team.name, apiKeyId: key.id, keyName: key.name, role: key.role };
}
