import { createTeam } from '@distillery/db';
import { loadConfig } from '../config.ts';
import { connectDatabase } from '../services.ts';

/** Creates a team and its first API key. The key is printed alone on the last line, for scripts. */
export async function teamCreateCommand(name: string): Promise<void> {
  const db = await connectDatabase(loadConfig());
  try {
    const { teamId, apiKey } = await createTeam(db, name);
    console.log(`created team '${name}' (${teamId}); its API key (shown once, store it now):`);
    console.log(apiKey);
  } finally {
    await db.$disconnect();
  }
}
