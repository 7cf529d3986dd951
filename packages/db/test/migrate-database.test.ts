import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatabaseUnreachableError,
  DEFAULT_MIGRATIONS_DIRECTORY,
  FailedMigrationFoundError,
  MIGRATION_LOCK_KEY,
  MigrationApplyError,
  MigrationChecksumMismatchError,
  MigrationLockTimeoutError,
  migrateDatabase,
} from '../src/index.ts';
import { ScratchDatabases, withClient } from './support/scratch-databases.ts';

const scratch = new ScratchDatabases();
afterAll(() => scratch.dropAll());

/** The repository's migrations, read the way Prisma reads them: folder name and sha256 of migration.sql. */
async function repositoryMigrations(): Promise<{ name: string; checksum: string }[]> {
  const entries = await readdir(DEFAULT_MIGRATIONS_DIRECTORY, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => ({
      name,
      checksum: createHash('sha256')
        .update(await readFile(join(DEFAULT_MIGRATIONS_DIRECTORY, name, 'migration.sql')))
        .digest('hex'),
    })),
  );
}

interface LedgerRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  started_at: Date;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}
const ledger = (url: string): Promise<LedgerRow[]> =>
  withClient(
    url,
    async (c) => (await c.query<LedgerRow>('SELECT * FROM _prisma_migrations ORDER BY migration_name')).rows,
  );

describe('migrateDatabase', () => {
  describe('on a database that does not exist yet', () => {
    let url: string;
    let first: Awaited<ReturnType<typeof migrateDatabase>>;
    beforeAll(async () => {
      url = scratch.url();
      first = await migrateDatabase(url);
    });

    it('creates the database and applies every migration in order', async () => {
      const migrations = await repositoryMigrations();
      expect(await scratch.exists(url)).toBe(true);
      expect(first).toEqual({ databaseCreated: true, applied: migrations.map((m) => m.name), alreadyApplied: [] });
    });

    it('records each migration as prisma migrate deploy does', async () => {
      const migrations = await repositoryMigrations();
      const rows = await ledger(url);
      expect(rows.map((r) => ({ name: r.migration_name, checksum: r.checksum }))).toEqual(migrations);
      for (const row of rows) {
        expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(row.finished_at).toBeInstanceOf(Date);
        expect(row.finished_at?.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
        expect(row).toMatchObject({ applied_steps_count: 1, rolled_back_at: null, logs: null });
      }
    });

    it("creates _prisma_migrations with Prisma's columns", async () => {
      const columns = await withClient(url, async (c) => {
        const { rows } = await c.query(
          `SELECT column_name, data_type, character_maximum_length AS length, is_nullable, column_default
             FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
        );
        return rows;
      });
      expect(columns).toEqual([
        { column_name: 'id', data_type: 'character varying', length: 36, is_nullable: 'NO', column_default: null },
        {
          column_name: 'checksum',
          data_type: 'character varying',
          length: 64,
          is_nullable: 'NO',
          column_default: null,
        },
        {
          column_name: 'finished_at',
          data_type: 'timestamp with time zone',
          length: null,
          is_nullable: 'YES',
          column_default: null,
        },
        {
          column_name: 'migration_name',
          data_type: 'character varying',
          length: 255,
          is_nullable: 'NO',
          column_default: null,
        },
        { column_name: 'logs', data_type: 'text', length: null, is_nullable: 'YES', column_default: null },
        {
          column_name: 'rolled_back_at',
          data_type: 'timestamp with time zone',
          length: null,
          is_nullable: 'YES',
          column_default: null,
        },
        {
          column_name: 'started_at',
          data_type: 'timestamp with time zone',
          length: null,
          is_nullable: 'NO',
          column_default: 'now()',
        },
        {
          column_name: 'applied_steps_count',
          data_type: 'integer',
          length: null,
          is_nullable: 'NO',
          column_default: '0',
        },
      ]);
    });

    it('applies nothing the second time', async () => {
      const migrations = await repositoryMigrations();
      const before = await ledger(url);
      expect(await migrateDatabase(url)).toEqual({
        databaseCreated: false,
        applied: [],
        alreadyApplied: migrations.map((m) => m.name),
      });
      expect(await ledger(url)).toEqual(before);
    });
  });

  describe('when several processes migrate a fresh database at once', () => {
    it('all succeed and the ledger has each migration once', async () => {
      const url = scratch.url();
      const migrations = await repositoryMigrations();
      const results = await Promise.all([migrateDatabase(url), migrateDatabase(url), migrateDatabase(url)]);
      // Exactly one call applied each migration; the others found it applied.
      expect(results.flatMap((r) => r.applied).sort()).toEqual(migrations.map((m) => m.name));
      expect(results.filter((r) => r.databaseCreated)).toHaveLength(1);
      expect((await ledger(url)).map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
    });
  });

  describe('when a new migration folder is added', () => {
    it('applies only the new one', async () => {
      const url = scratch.url();
      const dir = await mkdtemp(join(tmpdir(), 'distillery-migrations-'));
      try {
        await cp(DEFAULT_MIGRATIONS_DIRECTORY, dir, { recursive: true });
        const existing = (await repositoryMigrations()).map((m) => m.name);
        await migrateDatabase(url, { migrationsDirectory: dir });

        await mkdir(join(dir, '99990101000000_add_notes'));
        await writeFile(
          join(dir, '99990101000000_add_notes', 'migration.sql'),
          'ALTER TABLE "teams" ADD COLUMN "notes" TEXT;\n',
        );
        expect(await migrateDatabase(url, { migrationsDirectory: dir })).toEqual({
          databaseCreated: false,
          applied: ['99990101000000_add_notes'],
          alreadyApplied: existing,
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when a migration fails', () => {
    it('rolls it back, records nothing and throws MigrationApplyError', async () => {
      const url = scratch.url();
      const dir = await mkdtemp(join(tmpdir(), 'distillery-migrations-'));
      try {
        await mkdir(join(dir, '20000101000000_broken'));
        await writeFile(
          join(dir, '20000101000000_broken', 'migration.sql'),
          'CREATE TABLE "half" ("id" INTEGER);\nSELECT * FROM "no_such_table";\n',
        );
        const error = await migrateDatabase(url, { migrationsDirectory: dir }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MigrationApplyError);
        expect(error).toMatchObject({ code: 'MIGRATION_APPLY_FAILED', migrationName: '20000101000000_broken' });
        expect((error as Error).message).toContain('no_such_table');
        const state = await withClient(url, async (c) => ({
          half: (await c.query(`SELECT to_regclass('public.half') AS t`)).rows[0].t,
          ledger: (await c.query('SELECT count(*)::int AS n FROM _prisma_migrations')).rows[0].n,
        }));
        expect(state).toEqual({ half: null, ledger: 0 });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when an applied migration no longer matches its file', () => {
    it('refuses with MigrationChecksumMismatchError and changes nothing', async () => {
      const url = scratch.url();
      await migrateDatabase(url);
      const [first] = await repositoryMigrations();
      await withClient(url, (c) =>
        c.query('UPDATE _prisma_migrations SET checksum = $1 WHERE migration_name = $2', ['0'.repeat(64), first?.name]),
      );
      const error = await migrateDatabase(url).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationChecksumMismatchError);
      expect(error).toMatchObject({
        code: 'MIGRATION_CHECKSUM_MISMATCH',
        migrationName: first?.name,
        recordedChecksum: '0'.repeat(64),
        fileChecksum: first?.checksum,
      });
    });
  });

  describe('when a migration is recorded as failed', () => {
    it('refuses with FailedMigrationFoundError', async () => {
      const url = scratch.url();
      await migrateDatabase(url);
      await withClient(url, (c) =>
        c.query(
          `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs)
           VALUES ('00000000-0000-4000-8000-000000000000', $1, '99990101000000_crashed', 'boom')`,
          ['1'.repeat(64)],
        ),
      );
      const error = await migrateDatabase(url).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FailedMigrationFoundError);
      expect(error).toMatchObject({ code: 'FAILED_MIGRATION_FOUND', migrationName: '99990101000000_crashed' });
    });
  });

  describe('when another process holds the migration lock', () => {
    it('gives up after lockTimeoutMs with MigrationLockTimeoutError', async () => {
      const url = scratch.url();
      await migrateDatabase(url);
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        const error = await migrateDatabase(url, { lockTimeoutMs: 200 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MigrationLockTimeoutError);
        expect(error).toMatchObject({ code: 'MIGRATION_LOCK_TIMEOUT' });
      } finally {
        await holder.end();
      }
    });
  });

  describe('when the server is unreachable', () => {
    it('throws DatabaseUnreachableError naming the host, port and database', async () => {
      const error = await migrateDatabase('postgresql://postgres@127.0.0.1:1/distillery').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseUnreachableError);
      expect(error).toMatchObject({ code: 'DATABASE_UNREACHABLE', reason: 'connection-refused' });
      expect((error as Error).message).toBe(
        'Cannot use PostgreSQL at 127.0.0.1:1/distillery: connection refused (is PostgreSQL running on that port?)',
      );
    });

    it('says so when the host name does not resolve', async () => {
      const error = await migrateDatabase('postgresql://postgres@no-such-host.invalid:5432/distillery', {
        connectTimeoutMs: 3000,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseUnreachableError);
      expect(error).toMatchObject({ reason: 'unknown-host' });
      expect((error as Error).message).toContain('no-such-host.invalid:5432/distillery');
    });

    it('says so when authentication fails', async () => {
      const error = await migrateDatabase('postgresql://no_such_role@127.0.0.1:5432/distillery').catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DatabaseUnreachableError);
      expect(error).toMatchObject({ reason: 'authentication-failed' });
      expect((error as Error).message).toContain('127.0.0.1:5432/distillery: authentication failed');
    });
  });
});
