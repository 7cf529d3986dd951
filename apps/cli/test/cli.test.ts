import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { authenticateApiKey } from '@distillery/db';
import { createTestDatabase, type TestDatabase } from '@distillery/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, requireQueue, requireServer, resolvePort } from '../src/config.ts';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'distillery.mjs');

function distillery(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('distillery team create', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('prints an API key alone on the last line, and the key authenticates as the team', async () => {
    const r = distillery(['team', 'create', 'vision-lab'], { DATABASE_URL: database.url });
    expect(r.code, r.stderr).toBe(0);
    const key = r.stdout.trimEnd().split('\n').at(-1) as string;
    expect(key).toMatch(/^dst_[A-Za-z0-9_-]+$/);
    expect(await authenticateApiKey(database.store, key)).toMatchObject({ teamName: 'vision-lab' });
  });

  it('refuses a second team of the same name in one line on stderr', () => {
    distillery(['team', 'create', 'twice'], { DATABASE_URL: database.url });
    const r = distillery(['team', 'create', 'twice'], { DATABASE_URL: database.url });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^distillery: .*twice.*exists/);
  });
});

describe('distillery migrate', () => {
  const name = `distillery_cli_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  const admin = 'postgresql://postgres@127.0.0.1:5432/postgres';
  afterAll(async () => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  });

  it('creates a missing database, and the second time finds it up to date', () => {
    const url = `postgresql://postgres@127.0.0.1:5432/${name}`;
    const first = distillery(['migrate'], { DATABASE_URL: url });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/applied \d+ migration\(s\): \d{14}_init/);
    const second = distillery(['migrate'], { DATABASE_URL: url });
    expect(second.stdout.trim()).toBe('database is up to date');
  });
});

describe('when the configuration is wrong', () => {
  it('names DATABASE_URL and the refused connection, without a stack', () => {
    const r = distillery(['worker'], {
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/distillery',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'distillery: Cannot use PostgreSQL at 127.0.0.1:1/distillery: connection refused (is PostgreSQL running on that port?); check DATABASE_URL',
    );
  });

  it('names --pack-max and its rule when it is out of range, before connecting', () => {
    const r = distillery(['worker', '--pack-max', '0'], {
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/distillery',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("distillery: --pack-max must be an integer 1–64, got '0'");
  });

  it('names REDIS_URL when Redis does not answer', () => {
    const r = distillery(['serve'], {
      REDIS_URL: 'redis://127.0.0.1:1',
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'distillery: cannot reach Redis at redis://127.0.0.1:1 (REDIS_URL): connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  it('rejects a REDIS_URL that is not redis://', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://localhost:6379' })).toThrow(/REDIS_URL must start with redis:\/\//);
  });

  it('runs embedded when neither DATABASE_URL nor REDIS_URL is set, in ./.distillery by default', () => {
    expect(loadConfig({})).toMatchObject({
      mode: 'embedded',
      dataDir: join(process.cwd(), '.distillery'),
      queuePrefix: 'distillery',
    });
    expect(loadConfig({ DISTILLERY_DATA_DIR: '/srv/distillery' }).dataDir).toBe('/srv/distillery');
  });

  it('uses the servers when both are set, and the database alone when only DATABASE_URL is', () => {
    const databaseUrl = 'postgresql://postgres@127.0.0.1:5432/distillery';
    expect(loadConfig({ DATABASE_URL: databaseUrl, REDIS_URL: 'redis://127.0.0.1:6379' })).toMatchObject({
      mode: 'server',
      databaseUrl,
      redisUrl: 'redis://127.0.0.1:6379',
    });
    expect(loadConfig({ DATABASE_URL: databaseUrl })).toMatchObject({ mode: 'database', databaseUrl, redisUrl: '' });
  });

  it('says that a server deployment needs DATABASE_URL when only REDIS_URL is set', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(
      /REDIS_URL is set but DATABASE_URL is not: a server deployment needs both/,
    );
  });

  it('says which variable is missing when a command needs the queue and only DATABASE_URL is set', () => {
    const r = distillery(['serve'], { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres', REDIS_URL: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^distillery: DATABASE_URL is set but REDIS_URL is not: `distillery serve` on a server needs both/,
    );
    expect(r.stderr).toContain('unset both to run embedded');
  });

  it('points the worker command at run and serve when nothing is configured', () => {
    expect(() => requireServer(loadConfig({}), 'worker')).toThrow(
      /^`distillery worker` serves a server deployment \(PostgreSQL \+ Redis\).*`distillery run FILE` \/ `distillery serve`/,
    );
    expect(() => requireQueue(loadConfig({}), 'run')).not.toThrow();
  });

  it('takes the port from --port, then PORT, and rejects a non-number', () => {
    expect(resolvePort('9000', { PORT: '7000' }, 8080)).toBe(9000);
    expect(resolvePort(undefined, { PORT: '7000' }, 8080)).toBe(7000);
    expect(resolvePort(undefined, {}, 8080)).toBe(8080);
    expect(() => resolvePort(undefined, { PORT: 'http' }, 8080)).toThrow("PORT must be an integer 0–65535, got 'http'");
  });
});
