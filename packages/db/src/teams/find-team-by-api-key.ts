import type { Store } from '../store/store.ts';
import { authenticateApiKey } from './authenticate-api-key.ts';

export { LAST_USED_RESOLUTION_MS } from './authenticate-api-key.ts';

/**
 * The team a bearer key belongs to, or null for an unknown, revoked or expired key. See
 * {@link authenticateApiKey} for the key's role and id as well.
 */
export async function findTeamByApiKey(
  store: Store,
  apiKey: string,
): Promise<{ teamId: string; teamName: string } | null> {
  const identity = await authenticateApiKey(store, apiKey);
  return identity === null ? null : { teamId: identity.teamId, teamName: identity.teamName };
}
