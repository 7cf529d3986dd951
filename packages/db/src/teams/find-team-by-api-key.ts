import type { PrismaClient } from '../database-client.ts';
import { hashApiKey } from './api-key-secret.ts';

/** `last_used_at` is refreshed at most this often per key, so authenticating does not write on every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The team a bearer key belongs to, or null for an unknown or revoked key.
 *
 * The key is hashed and looked up by its hash through the unique index: the comparison happens on sha256 digests
 * inside PostgreSQL, never on the secret, so a timing difference reveals nothing about the key itself and a
 * constant-time comparison would add nothing.
 */
export async function findTeamByApiKey(
  db: PrismaClient,
  apiKey: string,
): Promise<{ teamId: string; teamName: string } | null> {
  if (apiKey === '') return null;
  const key = await db.apiKey.findUnique({
    where: { hash: hashApiKey(apiKey) },
    select: { id: true, revokedAt: true, lastUsedAt: true, team: { select: { id: true, name: true } } },
  });
  if (key === null || key.revokedAt !== null) return null;

  const now = new Date();
  if (key.lastUsedAt === null || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // Conditional so concurrent requests write once; a lost race only skips a redundant write.
    const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    await db.apiKey.updateMany({
      where: { id: key.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: staleBefore } }] },
      data: { lastUsedAt: now },
    });
  }
  return { teamId: key.team.id, teamName: key.team.name };
}
