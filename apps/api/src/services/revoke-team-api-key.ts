import { prismaOf, revokeApiKey, type Store } from '@distillery/db';
import { NotFoundError } from '../errors/http-errors.ts';
import { isUuid } from '../lib/is-uuid.ts';

/**
 * Revokes one of the team's keys; it stops authenticating at once. Revoking a revoked key changes nothing
 * (idempotent); another team's key, or no key, is 404.
 */
export async function revokeTeamApiKey(db: Store, teamId: string, apiKeyId: string): Promise<void> {
  if (!isUuid(apiKeyId)) throw new NotFoundError('key', apiKeyId);
  if (await revokeApiKey(db, apiKeyId, teamId)) return;
  const exists = await prismaOf(db).apiKey.findFirst({ where: { id: apiKeyId, teamId }, select: { id: true } });
  if (exists === null) throw new NotFoundError('key', apiKeyId);
}
