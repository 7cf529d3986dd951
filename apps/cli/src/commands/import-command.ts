import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createTeam, findTeamId, importResults } from '@distillery/db';
import { loadConfig } from '../config.ts';
import { ConfigError } from '../config-error.ts';
import { openDatabase } from '../runtime/open-database.ts';

export interface ImportFlags {
  /** The team that receives the data; created (with an admin key, printed) when missing. */
  team: string;
}

/**
 * `distillery import FILE --team NAME`: reads a results file from `distillery export` into the configured
 * database (a team's PostgreSQL when DATABASE_URL is set), for team NAME — all or nothing, ids kept, and
 * idempotent: rows already there are left alone, so importing twice adds nothing.
 */
export async function importCommand(file: string, flags: ImportFlags): Promise<void> {
  await access(file).catch(() => {
    throw new ConfigError(`results file not found: ${file}`);
  });
  const config = loadConfig();
  const target = await openDatabase(config);
  try {
    let teamId = await findTeamId(target.db, flags.team);
    if (teamId === null) {
      const created = await createTeam(target.db, flags.team);
      console.log(`created team '${flags.team}' (${created.teamId}); its API key (shown once, store it now):`);
      console.log(created.apiKey);
      teamId = created.teamId;
    }
    const raw: Readable = createReadStream(file);
    const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    const report = await importResults(target.connection, lines, { teamId });
    console.log(`imported ${file} into ${target.where}, team ${flags.team}:`);
    for (const [table, n] of Object.entries(report.read)) {
      const added = report.inserted[table] ?? 0;
      console.log(`  ${table.padEnd(11)} ${String(n).padStart(7)} read, ${String(added).padStart(7)} new`);
    }
  } finally {
    await target.close();
  }
}
