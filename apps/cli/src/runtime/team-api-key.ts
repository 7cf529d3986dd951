import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { authenticateApiKey, createApiKey, createTeam, findTeamId, type Store, TeamExistsError } from '@distillery/db';
import { API_KEY_FILE } from './api-key-file.ts';

/** The team a laptop's sweeps belong to in the embedded store (and in `distillery run` on a server). */
export const LOCAL_TEAM = 'local';

/** A new admin key for `team`, creating the team when it does not exist. */
export async function newTeamApiKey(db: Store, team: string, keyName: string): Promise<string> {
  try {
    return (await createTeam(db, team)).apiKey;
  } catch (e) {
    if (!(e instanceof TeamExistsError)) throw e;
    const id = await findTeamId(db, team);
    if (id === null) throw e;
    return (await createApiKey(db, id, { name: keyName })).apiKey;
  }
}

/**
 * The embedded store's key for its local team, kept in `<dataDir>/api-key` so `run`, `serve` and `demo` reuse
 * one key instead of adding one per start; made (with the team) on first use, or again if it stopped working.
 */
export async function storedApiKey(db: Store, dataDir: string, team = LOCAL_TEAM): Promise<string> {
  const path = join(dataDir, API_KEY_FILE);
  const stored = (await readFile(path, 'utf8').catch(() => '')).trim();
  if (stored !== '' && (await authenticateApiKey(db, stored))?.teamName === team) return stored;
  const apiKey = await newTeamApiKey(db, team, 'embedded store');
  await writeFile(path, `${apiKey}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return apiKey;
}
