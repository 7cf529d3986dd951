import { parseDatabaseUrl } from './database-url.ts';
import { connectPostgres } from './migrate/connect-postgres.ts';

/**
 * Opens and closes one connection to `databaseUrl`: resolves when PostgreSQL accepts it, throws a
 * `DatabaseUnreachableError` naming host, port, database and what failed otherwise. Processes call it at start,
 * so a wrong DATABASE_URL is one clear line rather than a driver stack on the first query.
 */
export async function checkDatabase(databaseUrl: string, connectTimeoutMs = 5000): Promise<void> {
  const client = await connectPostgres(parseDatabaseUrl(databaseUrl, 'DATABASE_URL'), { connectTimeoutMs });
  await client.end();
}
