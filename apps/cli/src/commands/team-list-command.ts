import { listTeams } from '@distillery/db';
import { formatTable } from '../client/table.ts';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../runtime/open-database.ts';

/**
 * The teams in the configured database (the embedded store when DATABASE_URL is unset), oldest first, with
 * their active keys and sweeps; never a key. An operator's command, like `team create`.
 */
export async function teamListCommand(): Promise<void> {
  const database = await openDatabase(loadConfig());
  try {
    const teams = await listTeams(database.db);
    if (teams.length === 0) {
      console.log('no teams yet: `distillery team create NAME` makes one and prints its API key');
      return;
    }
    const rows = teams.map((t) => [
      t.name,
      t.id,
      t.createdAt.toISOString().slice(0, 19).replace('T', ' '),
      String(t.activeKeys),
      String(t.sweeps),
    ]);
    console.log(
      formatTable(['team', 'id', 'created (UTC)', 'active keys', 'sweeps'], rows, [
        'left',
        'left',
        'left',
        'right',
        'right',
      ]),
    );
  } finally {
    await database.close();
  }
}
