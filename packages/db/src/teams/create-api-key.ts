import type { PrismaClient } from '../database-client.ts';
import { generateApiKey } from './api-key-secret.ts';
import { prismaErrorCode } from './prisma-error-code.ts';
import { TeamNotFoundError } from './team-errors.ts';

/** A new key for an existing team: the secret is returned once; only its hash and prefix are stored. */
export async function createApiKey(
  db: PrismaClient,
  teamId: string,
): Promise<{ apiKeyId: string; apiKey: string; prefix: string }> {
  const key = generateApiKey();
  try {
    const row = await db.apiKey.create({
      data: { teamId, hash: key.hash, prefix: key.prefix },
      select: { id: true },
    });
    return { apiKeyId: row.id, apiKey: key.apiKey, prefix: key.prefix };
  } catch (error) {
    // P2003: the team_id foreign key; P2023 / P2007: a team id that is not a UUID.
    const code = prismaErrorCode(error);
    if (code === 'P2003' || code === 'P2023' || code === 'P2007') throw new TeamNotFoundError(teamId, { cause: error });
    throw error;
  }
}
