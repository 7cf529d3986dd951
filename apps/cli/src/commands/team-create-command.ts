import { createTeam } from '@distillery/db';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../runtime/open-database.ts';

/**
 * Creates a team and its first API key, in the configured database (the embedded store when DATABASE_URL is
 * unset). The key is printed alone on the last line, for scripts.
 */
export async function teamCreateCommand(name: string): Promise<void> {
  const database = await openDatabase(loadConfig());
  try {
    const { teamId, apiKey } = await createTeam(database.db, name);
    console.log(`created team '${name}' (${teamId}); its API key (shown once, store it now):`);
    console.log(apiKey);
  } finally {
    await database.close();
  }
}
