import { loadConfig } from '../config.ts';
import { openDatabase } from '../runtime/open-database.ts';
import { migrate } from '../services.ts';

/** Brings the configured database up to date: DATABASE_URL's server, or the embedded store when it is unset. */
export async function migrateCommand(): Promise<void> {
  const config = loadConfig();
  if (config.mode === 'embedded') {
    const store = await openDatabase(config, (line) => console.log(line));
    await store.close();
    console.log(
      store.applied.length
        ? `applied ${store.applied.length} migration(s) to the ${store.where}: ${store.applied.join(', ')}`
        : `the ${store.where} is up to date`,
    );
    return;
  }
  const applied = await migrate(config);
  console.log(
    applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database is up to date',
  );
}
