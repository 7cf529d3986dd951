import { prismaOf } from '../store/prisma-of.ts';
import type { Store } from '../store/store.ts';
import { type ApiKeyRole, isApiKeyRole } from './api-key-role.ts';

/** A key in its team's listing: never the secret (only sha256 and a display prefix are stored). */
export interface ApiKeyListing {
  id: string;
  name: string;
  prefix: string;
  role: ApiKeyRole;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
}

/** A team's keys, newest first, revoked and expired ones included (the audit trail). */
export async function listApiKeys(store: Store, teamId: string): Promise<ApiKeyListing[]> {
  const db = prismaOf(store);
  const rows = await db.apiKey.findMany({
    where: { teamId },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    select: {
      id: true,
      name: true,
      prefix: true,
      role: true,
      createdAt: true,
      lastUsedAt: true,
      revokedAt: true,
      expiresAt: true,
    },
  });
  // An unknown role (written by a newer version) is listed as the least privileged one.
  return rows.map((r) => ({ ...r, role: isApiKeyRole(r.role) ? r.role : 'viewer' }));
}
