import type { PrismaClient } from '../database-client.ts';

/**
 * Whether the key (by id) still authenticates: not revoked, not expired. For what outlives one request (an open
 * event stream), which must stop when its key does.
 */
export async function apiKeyIsActive(db: PrismaClient, apiKeyId: string, now: Date = new Date()): Promise<boolean> {
  const n = await db.apiKey.count({
    where: { id: apiKeyId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
  });
  return n === 1;
}
