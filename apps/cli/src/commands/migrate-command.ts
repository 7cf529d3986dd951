import { loadConfig } from '../config.ts';
import { migrate } from '../services.ts';

export async function migrateCommand(): Promise<void> {
  const applied = await migrate(loadConfig());
  console.log(
    applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database is up to date',
  );
}
