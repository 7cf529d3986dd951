import pg from 'pg';
import type { DatabaseUrlParts } from '../database-url.ts';
import { DatabaseUnreachableError, type DatabaseUnreachableReason } from './migration-errors.ts';

/** What the driver's error says failed, in words for a user. */
export function classifyConnectionError(error: unknown): { reason: DatabaseUnreachableReason; detail: string } {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return { reason: 'connection-refused', detail: 'connection refused (is PostgreSQL running on that port?)' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return { reason: 'unknown-host', detail: 'unknown host (the name does not resolve)' };
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { reason: 'timeout', detail: `host not reachable (${code})` };
    case '28P01':
    case '28000':
      return { reason: 'authentication-failed', detail: `authentication failed: ${message}` };
    case '3D000':
      return { reason: 'database-missing', detail: 'the database does not exist' };
  }
  if (/timeout/i.test(message)) return { reason: 'timeout', detail: `connection timed out (${message})` };
  if (/SASL|password/i.test(message))
    return { reason: 'authentication-failed', detail: `authentication failed: ${message}` };
  return { reason: 'other', detail: message };
}

/**
 * Opens one pg connection to `target` (its URL, or the same server's `database` when given), turning
 * connection failures into {@link DatabaseUnreachableError}.
 */
export async function connectPostgres(
  target: DatabaseUrlParts,
  options: { connectTimeoutMs: number; database?: string },
): Promise<pg.Client> {
  const url = new URL(target.url);
  if (options.database !== undefined) url.pathname = `/${encodeURIComponent(options.database)}`;
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: options.connectTimeoutMs });
  // A server-side termination (e.g. DROP DATABASE ... WITH (FORCE)) must not crash the process through an
  // unhandled 'error' event; the next query on this client fails instead.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    const { reason, detail } = classifyConnectionError(error);
    const database = options.database ?? target.database;
    throw new DatabaseUnreachableError({ host: target.host, port: target.port, database }, reason, detail, {
      cause: error,
    });
  }
  return client;
}
