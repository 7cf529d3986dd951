import { prismaOf } from '../store/prisma-of.ts';
import type { Store } from '../store/store.ts';
import { generateApiKey } from './api-key-secret.ts';
import { prismaErrorCode } from './prisma-error-code.ts';
import { InvalidTeamNameError, TeamExistsError } from './team-errors.ts';

/** Longest team name accepted. */
export const MAX_TEAM_NAME_LENGTH = 100;

/**
 * Creates a team and its first API key in one transaction. The key is returned once and stored only as its
 * sha256. Throws {@link TeamExistsError} when the name is taken, {@link InvalidTeamNameError} when it is empty
 * (after trimming) or longer than {@link MAX_TEAM_NAME_LENGTH}.
 */
export async function createTeam(store: Store, name: string): Promise<{ teamId: string; apiKey: string }> {
  const db = prismaOf(store);
  const teamName = name.trim();
  if (teamName === '' || teamName.length > MAX_TEAM_NAME_LENGTH) {
    throw new InvalidTeamNameError(`Team name must be 1 to ${MAX_TEAM_NAME_LENGTH} characters, got "${name}"`);
  }
  const key = generateApiKey();
  try {
    const team = await db.team.create({
      data: { name: teamName, apiKeys: { create: { hash: key.hash, prefix: key.prefix } } },
      select: { id: true },
    });
    return { teamId: team.id, apiKey: key.apiKey };
  } catch (error) {
    // The key's hash is unique too, but a collision of 256 random bits does not happen: P2002 is the name.
    if (prismaErrorCode(error) === 'P2002') throw new TeamExistsError(teamName, { cause: error });
    throw error;
  }
}
