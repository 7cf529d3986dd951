import { prismaOf } from '../store/prisma-of.ts';
import type { Store } from '../store/store.ts';
import { type ApiKeyRole, DEFAULT_API_KEY_ROLE } from './api-key-role.ts';
import { generateApiKey } from './api-key-secret.ts';
import { prismaErrorCode } from './prisma-error-code.ts';
import { TeamNotFoundError } from './team-errors.ts';

/** Longest key name accepted. */
export const MAX_API_KEY_NAME_LENGTH = 100;

export interface CreateApiKeyOptions {
  /** What the key may do. @defaultValue 'admin' */
  role?: ApiKeyRole;
  /** Who or what holds the key, shown in listings. @defaultValue '' */
  name?: string;
  /** When the key stops authenticating. @defaultValue null (never) */
  expiresAt?: Date | null;
}

/** A key as created: the secret is in `apiKey`, returned this once. */
export interface CreatedApiKey {
  apiKeyId: string;
  apiKey: string;
  prefix: string;
  role: ApiKeyRole;
  name: string;
  createdAt: Date;
  expiresAt: Date | null;
}

/** A new key for an existing team: the secret is returned once; only its hash and prefix are stored. */
export async function createApiKey(
  store: Store,
  teamId: string,
  options: CreateApiKeyOptions = {},
): Promise<CreatedApiKey> {
  const role = options.role ?? DEFAULT_API_KEY_ROLE;
  const name = (options.name ?? '').trim();
  if (name.length > MAX_API_KEY_NAME_LENGTH) {
    throw new RangeError(`CreateApiKeyOptions.name must be at most ${MAX_API_KEY_NAME_LENGTH} characters`);
  }
  const key = generateApiKey();
  try {
    const row = await prismaOf(store).apiKey.create({
      data: { teamId, hash: key.hash, prefix: key.prefix, role, name, expiresAt: options.expiresAt ?? null },
      select: { id: true, createdAt: true, expiresAt: true },
    });
    return {
      apiKeyId: row.id,
      apiKey: key.apiKey,
      prefix: key.prefix,
      role,
      name,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
    };
  } catch (error) {
    // P2003: the team_id foreign key; P2023 / P2007: a team id that is not a UUID.
    const code = prismaErrorCode(error);
    if (code === 'P2003' || code === 'P2023' || code === 'P2007') throw new TeamNotFoundError(teamId, { cause: error });
    throw error;
  }
}
