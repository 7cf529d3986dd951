import { prismaOf } from '../store/prisma-of.ts';
import type { Store } from '../store/store.ts';

/**
 * Revokes a key (by id): it stops authenticating at once; the row stays for the audit trail. With `teamId`,
 * only a key of that team is revoked. Returns false when no unrevoked key matches.
 */
export async function revokeApiKey(store: Store, apiKeyId: string, teamId?: string): Promise<boolean> {
  const db = prismaOf(store);
  const { count } = await db.apiKey.updateMany({
    where: { id: apiKeyId, revokedAt: null, ...(teamId !== undefined && { teamId }) },
    data: { revokedAt: new Date() },
  });
  return count === 1;
}
