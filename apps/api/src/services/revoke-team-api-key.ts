import { revokeApiKey, type Store, teamApiKeyExists } from '@distillery/db';
import { NotFoundError } from '../errors/http-errors.ts';
import { isUuid } from '../lib/is-uuid.ts';

/**
 * Revokes one of the team's keys; it stops authenticating at once. Revoking a revoked key changes nothing
 * (idempotent); another team's key, or no key, is 404.
 */
export async function revokeTeamApiKey(db: Store, teamId: string, apiKeyId: string): Promise<void> {
  if (!isUuid(apiKeyId)) throw new NotFoundError('key', apiKeyId);
  if (await revokeApiKey(db, apiKeyId, teamId)) return;
  if (!(await teamApiKeyExists(db, teamId, apiKeyId))) throw new NotFoundError('key', apiKeyId);
}
