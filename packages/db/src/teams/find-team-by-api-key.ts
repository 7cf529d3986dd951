import type { PrismaClient } from '../database-client.ts';
import { authenticateApiKey } from './authenticate-api-key.ts';

export { LAST_USED_RESOLUTION_MS } from './authenticate-api-key.ts';

/**
 * The team a bearer key belongs to, or null for an unknown, revoked or expired key. See
 * {@link authenticateApiKey} for the key's role and id as well.
 */
export async function findTeamByApiKey(
  db: PrismaClient,
  apiKey: string,
): Promise<{ teamId: string; teamName: string } | null> {
  const identity = await authenticateApiKey(db, apiKey);
  return identity === null ? null : { teamId: identity.teamId, teamName: identity.teamName };
}
