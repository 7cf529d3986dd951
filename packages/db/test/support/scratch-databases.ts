// Names for databases a test creates through the migrator, and their clean-up.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DEFAULT_TEST_DATABASE_URL } from '../../src/testing/index.ts';

const baseUrl = (): string => process.env.TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;

export class ScratchDatabases {
  readonly #names: string[] = [];

  /** A URL for a database that does not exist yet; dropped by {@link dropAll}. */
  url(): string {
    const name = `distillery_test_${randomBytes(6).toString('hex')}`;
    this.#names.push(name);
    const url = new URL(baseUrl());
    url.pathname = `/${name}`;
    return url.toString();
  }

  async exists(url: string): Promise<boolean> {
    const name = new URL(url).pathname.slice(1);
    return withAdmin(async (admin) => {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      return rowCount === 1;
    });
  }

  async dropAll(): Promise<void> {
    await withAdmin(async (admin) => {
      for (const name of this.#names.splice(0)) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    });
  }
}

/** Runs `fn` on a short-lived connection to `url`. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const withAdmin = <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => withClient(baseUrl(), fn);
