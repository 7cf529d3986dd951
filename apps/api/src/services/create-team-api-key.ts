import { createApiKey, type Store } from '@distillery/db';
import type { CreateApiKeyBody, CreatedApiKey } from '../schemas/api-key.ts';
import { toApiKeyInfo } from './to-api-key-info.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A new key for the caller's team; the secret is in the answer, and only there. */
export async function createTeamApiKey(db: Store, teamId: string, body: CreateApiKeyBody): Promise<CreatedApiKey> {
  const expiresAt = body.expiresInDays === undefined ? null : new Date(Date.now() + body.expiresInDays * DAY_MS);
  const key = await createApiKey(db, teamId, { name: body.name, role: body.role, expiresAt });
  const info = toApiKeyInfo({
    id: key.apiKeyId,
    name: key.name,
    prefix: key.prefix,
    role: key.role,
    createdAt: key.createdAt,
    lastUsedAt: null,
    revokedAt: null,
    expiresAt: key.expiresAt,
  });
  return { ...info, apiKey: key.apiKey };
}
