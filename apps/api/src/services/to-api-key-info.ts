import type { ApiKeyListing } from '@distillery/db';
import { iso } from '../lib/iso.ts';
import type { ApiKeyInfo } from '../schemas/api-key.ts';

/** A stored key as the API shows it, its state derived at `now`. */
export function toApiKeyInfo(key: ApiKeyListing, now: Date = new Date()): ApiKeyInfo {
  const state =
    key.revokedAt !== null
      ? 'revoked'
      : key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()
        ? 'expired'
        : 'active';
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    role: key.role,
    state,
    createdAt: iso(key.createdAt),
    lastUsedAt: iso(key.lastUsedAt),
    expiresAt: iso(key.expiresAt),
    revokedAt: iso(key.revokedAt),
  };
}
