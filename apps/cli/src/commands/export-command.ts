import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { exportResults, findTeamId } from '@distillery/db';
import { loadConfig } from '../config.ts';
import { ConfigError } from '../config-error.ts';
import { openDatabase } from '../runtime/open-database.ts';

export interface ExportFlags {
  /** Only this team's data. @defaultValue every team's */
  team?: string;
}

/** Lines to `path` (gzip when it ends in `.gz`), written to a temporary name and renamed when complete. */
async function writeLines(path: string, produce: (write: (line: string) => Promise<void>) => Promise<void>) {
  const partial = `${path}.partial`;
  // Owner only: the file holds the team's results and model files.
  const file = createWriteStream(partial, { mode: 0o600 });
  const gzip = path.endsWith('.gz') ? createGzip() : undefined;
  if (gzip) gzip.pipe(file);
  const out: Writable = gzip ?? file;
  try {
    await produce(async (line) => {
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    });
    out.end();
    await once(file, 'close');
    await rename(partial, path);
  } catch (error) {
    file.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}

/**
 * `distillery export FILE`: the configured results database (the embedded store when nothing is configured) as
 * a results file: sweeps, runs, metrics, results, model files and events, ids kept. `distillery import` reads it
 * into a team's server.
 */
export async function exportCommand(file: string, flags: ExportFlags = {}): Promise<void> {
  const config = loadConfig();
  const source = await openDatabase(config);
  try {
    let teamId: string | undefined;
    if (flags.team !== undefined) {
      const team = await findTeamId(source.db, flags.team);
      if (team === null) throw new ConfigError(`--team: no team '${flags.team}' in ${source.where}`);
      teamId = team;
    }
    let counts: Record<string, number> = {};
    await writeLines(file, async (write) => {
      counts = await exportResults(source.connection, write, teamId ? { teamId } : {});
    });
    console.log(`exported ${source.where}${flags.team ? ` (team ${flags.team})` : ''} to ${file}:`);
    for (const [table, n] of Object.entries(counts)) console.log(`  ${table.padEnd(11)} ${n}`);
  } finally {
    await source.close();
  }
}
