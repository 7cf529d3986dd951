import type { PrismaClient } from '../database-client.ts';

/**
 * Revokes a key (by id): it stops authenticating at once; the row stays for the audit trail. Returns false when
 * no unrevoked key has this id.
 */
export async function revokeApiKey(db: PrismaClient, apiKeyId: string): Promise<boolean> {
  const { count } = await db.apiKey.updateMany({
    where: { id: apiKeyId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return count === 1;
}
