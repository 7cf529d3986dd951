import { codedError } from './coded-error.ts';

/** Where Distillery's results database lives when `DATABASE_URL` is not set: the local PostgreSQL. */
export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/distillery';

const PROTOCOLS = new Set(['postgres:', 'postgresql:']);

/** A PostgreSQL connection URL that could not be used; `message` says what is wrong with it. */
export class InvalidDatabaseUrlError extends codedError('INVALID_DATABASE_URL') {}

/** The parts of a database URL that messages may show (never the password). */
export interface DatabaseUrlParts {
  /** The URL as given. */
  url: string;
  /** Host name or address; `localhost` when the URL leaves it out (pg's default). */
  host: string;
  /** @defaultValue 5432 */
  port: number;
  /** The database name (decoded). */
  database: string;
  /** The user name (decoded), or undefined when the URL has none. */
  user: string | undefined;
}

/**
 * Parses and validates a PostgreSQL connection URL: protocol `postgres://` or `postgresql://`, and a database
 * name in the path. Throws {@link InvalidDatabaseUrlError} naming the rule that failed; the message never
 * repeats the password.
 */
export function parseDatabaseUrl(url: string, source = 'database URL'): DatabaseUrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidDatabaseUrlError(
      `${source} is not a valid URL; expected e.g. ${DEFAULT_DATABASE_URL} (postgresql://user:password@host:port/database)`,
    );
  }
  if (!PROTOCOLS.has(parsed.protocol)) {
    throw new InvalidDatabaseUrlError(
      `${source} must start with postgresql:// or postgres://, got ${parsed.protocol}//; expected e.g. ${DEFAULT_DATABASE_URL}`,
    );
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) {
    throw new InvalidDatabaseUrlError(
      `${source} must name a database in its path (postgresql://host:port/<database>), got ${redactDatabaseUrl(url)}`,
    );
  }
  const port = parsed.port === '' ? 5432 : Number(parsed.port);
  return {
    url,
    host: parsed.hostname === '' ? 'localhost' : parsed.hostname,
    port,
    database,
    user: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
  };
}

/**
 * The database URL from the environment: `DATABASE_URL`, or {@link DEFAULT_DATABASE_URL} when it is unset or
 * empty (an empty value is what `DATABASE_URL=` in a compose file gives). Validated with {@link parseDatabaseUrl}.
 */
export function resolveDatabaseUrl(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fromEnv = env.DATABASE_URL?.trim();
  if (fromEnv === undefined || fromEnv === '') return parseDatabaseUrl(DEFAULT_DATABASE_URL).url;
  return parseDatabaseUrl(fromEnv, 'DATABASE_URL').url;
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable URL>';
  }
}
