import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DATA_DIR_LOCK_FILE,
  EmbeddedStore,
  EmbeddedStoreLockedError,
  pgliteConnection,
} from '../src/embedded/index.ts';
import {
  createTeam,
  DEFAULT_MIGRATIONS_DIRECTORY,
  type PostgresConnection,
  pgConnection,
  RUN_EVENTS_CHANNEL,
  readMigrationFiles,
} from '../src/index.ts';
import {
  createTestDatabase,
  createTestEmbeddedStore,
  prismaOf,
  type TestDatabase,
  type TestEmbeddedStore,
} from '../src/testing/index.ts';
import { withClient } from './support/scratch-databases.ts';

/** The public schema as the catalog describes it: columns, indexes, constraints, triggers, functions. */
async function catalog(
  c: PostgresConnection,
): Promise<Record<'columns' | 'indexes' | 'constraints' | 'triggers' | 'functions', string[]>> {
  const lines = async (sql: string) => (await c.query<{ line: string }>(sql)).map((r) => r.line);
  return {
    columns: await lines(`SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' ||
        coalesce(column_default, '') AS line FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1`),
    indexes: await lines(`SELECT indexdef AS line FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`),
    constraints:
      await lines(`SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS line
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`),
    triggers: await lines(`SELECT tgrelid::regclass::text || ' ' || pg_get_triggerdef(oid) AS line FROM pg_trigger
        WHERE NOT tgisinternal ORDER BY 1`),
    functions: await lines(`SELECT proname || ' ' || md5(prosrc) AS line FROM pg_proc
        WHERE pronamespace = 'public'::regnamespace ORDER BY 1`),
  };
}

describe('the embedded store', () => {
  let embedded: TestEmbeddedStore;
  beforeAll(async () => {
    embedded = await createTestEmbeddedStore();
  });
  afterAll(() => embedded?.remove());

  it("records the repository's migrations in _prisma_migrations as the server migrator does", async () => {
    const migrations = await readMigrationFiles(DEFAULT_MIGRATIONS_DIRECTORY);
    const ledger = await embedded.store.connection.query<{
      migration_name: string;
      checksum: string;
      finished: boolean;
      applied_steps_count: number;
    }>(
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, applied_steps_count
         FROM _prisma_migrations ORDER BY migration_name`,
    );
    expect(ledger).toEqual(
      migrations.map((m) => ({ migration_name: m.name, checksum: m.checksum, finished: true, applied_steps_count: 1 })),
    );
  });

  describe('compared with a migrated PostgreSQL server', () => {
    let server: TestDatabase;
    beforeAll(async () => {
      server = await createTestDatabase({ prefix: 'distillery_embedded' });
    });
    afterAll(() => server?.drop());

    it('has the same columns, indexes, constraints, triggers and functions', async () => {
      const onServer = await withClient(server.url, (c) => catalog(pgConnection(c)));
      expect(onServer.columns.length).toBeGreaterThan(50);
      expect(onServer.triggers.length).toBeGreaterThan(0);
      expect(await catalog(embedded.store.connection)).toEqual(onServer);
    });
  });

  describe('a new store', () => {
    const folders: string[] = [];
    const folder = () => {
      const f = mkdtempSync(join(tmpdir(), 'distillery-template-test-'));
      folders.push(f);
      return f;
    };
    afterAll(() => Promise.all(folders.map((f) => rm(f, { recursive: true, force: true }))));

    /** Opens a new store in a fresh folder with `templateDir`, closes it; what it logged and migrated, and its schema. */
    async function openNew(templateDir: string | null) {
      const dataDir = folder();
      const lines: string[] = [];
      const store = await EmbeddedStore.open({ dataDir, templateDir, log: (line) => lines.push(line) });
      try {
        return { dataDir, lines, migrations: store.migrations, schema: await catalog(store.connection) };
      } finally {
        await store.close();
      }
    }

    it('starts as a copy of the migrated template, which the first new store makes: every migration applied, the same schema', async () => {
      const names = (await readMigrationFiles(DEFAULT_MIGRATIONS_DIRECTORY)).map((m) => m.name);
      const templates = folder();
      const first = await openNew(templates);
      expect(first.lines.some((l) => l.includes('from the migrated template'))).toBe(true);
      expect(first.migrations).toEqual({ databaseCreated: true, applied: names, alreadyApplied: [] });
      expect(first.schema).toEqual(await catalog(embedded.store.connection));
      // A later store copies that template rather than building another: a file put in it shows up in the copy.
      const [template] = readdirSync(templates);
      writeFileSync(join(templates, template as string, 'pgdata', 'copied-marker'), 'x');
      const second = await openNew(templates);
      expect(readdirSync(templates)).toEqual([template]);
      expect(existsSync(join(second.dataDir, 'pgdata', 'copied-marker'))).toBe(true);
      expect(second.migrations).toEqual({ databaseCreated: true, applied: names, alreadyApplied: [] });
    });

    it('is created in place when no template can be kept (the folder cannot be made), migrated the same', async () => {
      const names = (await readMigrationFiles(DEFAULT_MIGRATIONS_DIRECTORY)).map((m) => m.name);
      const file = join(folder(), 'a-file');
      writeFileSync(file, '');
      const inPlace = await openNew(join(file, 'templates'));
      expect(inPlace.lines[0]).toMatch(/^creating the embedded database in /);
      expect(inPlace.migrations).toEqual({ databaseCreated: true, applied: names, alreadyApplied: [] });
      expect(inPlace.schema).toEqual(await catalog(embedded.store.connection));
    });
  });

  it('serves the Prisma client and the repositories of packages/db', async () => {
    const { teamId } = await createTeam(embedded.store, 'embedded-team');
    const team = await embedded.db.team.findUniqueOrThrow({ where: { name: 'embedded-team' } });
    expect(team.id).toBe(teamId);
  });

  it('wakes run event subscribers when a notification commits (LISTEN/NOTIFY inside PGlite)', async () => {
    const sweepId = '7b0c36a4-5d1e-4a55-9d3b-2a4f3c2f9e01';
    const woken = new Promise<void>((resolve) => embedded.store.events.subscribe(sweepId, resolve));
    await embedded.store.pglite.exec(`BEGIN; SELECT pg_notify('${RUN_EVENTS_CHANNEL}', '${sweepId}'); COMMIT;`);
    await expect(woken).resolves.toBeUndefined();
  });

  it('refuses a second opening of a folder in use, naming the process', async () => {
    const error = await EmbeddedStore.open({ dataDir: embedded.dataDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddedStoreLockedError);
    expect(error).toMatchObject({ code: 'EMBEDDED_STORE_LOCKED', pid: process.pid });
  });

  describe('after it is closed', () => {
    let reopened: EmbeddedStore;
    beforeAll(async () => {
      await embedded.store.close();
      // A lock left by a process that has exited (killed, crashed) is taken over.
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
        encoding: 'utf8',
      });
      writeFileSync(
        join(embedded.dataDir, DATA_DIR_LOCK_FILE),
        JSON.stringify({ pid: Number(dead.stdout), host: hostname() }),
      );
      reopened = await EmbeddedStore.open({ dataDir: embedded.dataDir });
    });
    afterAll(() => reopened?.close());

    it('reopens with nothing to apply and the data kept', async () => {
      expect(reopened.migrations.applied).toEqual([]);
      expect(reopened.migrations.databaseCreated).toBe(false);
      expect(await prismaOf(reopened).team.count({ where: { name: 'embedded-team' } })).toBe(1);
    });

    it('answers raw queries through the same connection interface as a server', async () => {
      const [row] = await pgliteConnection(reopened.pglite).query<{ n: number }>('SELECT $1::int + 1 AS n', [41]);
      expect(row?.n).toBe(42);
    });
  });
});
