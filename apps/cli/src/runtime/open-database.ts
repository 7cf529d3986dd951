import {
  connectPostgres,
  type PostgresConnection,
  parseDatabaseUrl,
  pgConnection,
  redactDatabaseUrl,
  type Store,
} from '@distillery/db';
import type { DistilleryConfig } from '../config.ts';
import { connectDatabase } from '../services.ts';

/** The results database alone (no queue), for `migrate`, `team create`, `export` and `import`. */
export interface OpenDatabase {
  /** The data folder or the server, for messages. */
  where: string;
  db: Store;
  /** One session for export/import. */
  connection: PostgresConnection;
  /** What opening applied (the embedded store migrates on open). */
  applied: string[];
  close(): Promise<void>;
}

/**
 * The configured results database: the embedded store (opened, hence migrated) when DATABASE_URL is unset,
 * else the PostgreSQL server it names (checked reachable; not migrated — `distillery migrate` does that).
 */
export async function openDatabase(
  config: DistilleryConfig,
  log: (line: string) => void = () => {},
): Promise<OpenDatabase> {
  if (config.mode === 'embedded') {
    const { EmbeddedStore } = await import('@distillery/db/embedded');
    const store = await EmbeddedStore.open({ dataDir: config.dataDir, log });
    return {
      where: `embedded store ${store.dataDir}`,
      db: store,
      connection: store.connection,
      applied: store.migrations.applied,
      close: () => store.close(),
    };
  }
  const db = await connectDatabase(config);
  const client = await connectPostgres(parseDatabaseUrl(config.databaseUrl, 'DATABASE_URL'), {
    connectTimeoutMs: 10_000,
  });
  return {
    where: `PostgreSQL ${redactDatabaseUrl(config.databaseUrl)}`,
    db,
    connection: pgConnection(client),
    applied: [],
    async close() {
      await client.end().catch(() => {});
      await db.close();
    },
  };
}
