import type { PrismaClient } from '../database-client.ts';

/**
 * Revokes a key (by id): it stops authenticating at once; the row stays for the audit trail. With `teamId`,
 * only a key of that team is revoked. Returns false when no unrevoked key matches.
 */
export async function revokeApiKey(db: PrismaClient, apiKeyId: string, teamId?: string): Promise<boolean> {
  const { count } = await db.apiKey.updateMany({
    where: { id: apiKeyId, revokedAt: null, ...(teamId !== undefined && { teamId }) },
    data: { revokedAt: new Date() },
  });
  return count === 1;
}
