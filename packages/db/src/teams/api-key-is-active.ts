import { prismaOf } from '../store/prisma-of.ts';
import type { Store } from '../store/store.ts';

/**
 * Whether the key (by id) still authenticates: not revoked, not expired. For what outlives one request (an open
 * event stream), which must stop when its key does.
 */
export async function apiKeyIsActive(store: Store, apiKeyId: string, now: Date = new Date()): Promise<boolean> {
  const db = prismaOf(store);
  const n = await db.apiKey.count({
    where: { id: apiKeyId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
  });
  return n === 1;
}
