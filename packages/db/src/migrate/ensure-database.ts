import type pg from 'pg';
import type { DatabaseUrlParts } from '../database-url.ts';
import { connectPostgres } from './connect-postgres.ts';
import { DatabaseUnreachableError } from './migration-errors.ts';

/** SQLSTATEs of "it exists already": duplicate_database, and the catalog's unique index when two CREATEs race. */
const ALREADY_EXISTS = new Set(['42P04', '23505']);

/** Maintenance databases tried in order to run CREATE DATABASE from. */
const MAINTENANCE_DATABASES = ['postgres', 'template1'];

export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Connects to the target database, creating it first when it does not exist. Two processes doing this at once
 * both succeed: the loser of the CREATE DATABASE race sees 42P04 (or 23505) and connects to the winner's.
 * Returns the connection and whether this call created the database.
 */
export async function connectCreatingDatabase(
  target: DatabaseUrlParts,
  options: { connectTimeoutMs: number; createDatabase: boolean },
): Promise<{ client: pg.Client; created: boolean }> {
  try {
    return { client: await connectPostgres(target, options), created: false };
  } catch (error) {
    if (!(error instanceof DatabaseUnreachableError && error.reason === 'database-missing' && options.createDatabase)) {
      throw error;
    }
  }
  const created = await createDatabase(target, options.connectTimeoutMs);
  return { client: await connectPostgres(target, options), created };
}

async function createDatabase(target: DatabaseUrlParts, connectTimeoutMs: number): Promise<boolean> {
  let admin: pg.Client | undefined;
  let lastError: unknown;
  for (const database of MAINTENANCE_DATABASES) {
    try {
      admin = await connectPostgres(target, { connectTimeoutMs, database });
      break;
    } catch (error) {
      lastError = error;
      if (!(error instanceof DatabaseUnreachableError && error.reason === 'database-missing')) throw error;
    }
  }
  if (admin === undefined) throw lastError;
  try {
    await admin.query(`CREATE DATABASE ${quoteIdentifier(target.database)}`);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== undefined && ALREADY_EXISTS.has(code)) return false;
    throw new DatabaseUnreachableError(
      target,
      'database-missing',
      `the database does not exist and could not be created: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    await admin.end().catch(() => {});
  }
}
