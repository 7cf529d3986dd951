import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The results database has one seam: packages/db opens a store and owns every statement. Apps call its
 * operations; none holds SQL, reaches Prisma, or opens a driver of its own.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const APPS = ['apps/api', 'apps/worker', 'apps/cli'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const appFiles = APPS.flatMap((app) => sourceFiles(join(ROOT, app, 'src'))).map((file) => ({
  file: relative(ROOT, file),
  text: readFileSync(file, 'utf8'),
}));

/** Static and lazy imports of a driver, of Prisma, or of the db package's test helpers. */
const DRIVER_IMPORT =
  /(?:from\s+|import\s*\(\s*)'(pg|@prisma\/[^']+|@electric-sql\/pglite|pglite-prisma-adapter|@distillery\/db\/testing)'/;
/** A statement written in place: a tagged template on an executor, Prisma's raw SQL, or its fragments. */
const STATEMENT = /\.(?:rows|run)(?:<[^`(]*>)?`|\$(?:queryRaw|executeRaw)|Prisma\.sql|Prisma\.raw|Prisma\.join/;
/** Prisma by name: its client, its namespace, or a store's client (`prismaOf`, which only tests may use). */
const PRISMA = /\bprismaOf\(|\bPrisma\.|\bPrismaClient\b|[{,]\s*(?:type\s+)?Prisma\s*[,}]/;

describe('the store seam', () => {
  it('keeps drivers, Prisma and the test helpers of packages/db out of the apps', () => {
    expect(appFiles.filter((f) => DRIVER_IMPORT.test(f.text)).map((f) => f.file)).toEqual([]);
  });

  it('keeps every statement in packages/db: no SQL written in an app', () => {
    expect(appFiles.filter((f) => STATEMENT.test(f.text)).map((f) => f.file)).toEqual([]);
  });

  it('keeps Prisma in packages/db: no app names its client or namespace', () => {
    expect(appFiles.filter((f) => PRISMA.test(f.text)).map((f) => f.file)).toEqual([]);
  });

  it('recognises a statement, Prisma and a driver import when it sees one', () => {
    expect(STATEMENT.test('await db.rows<{ id: string }>`SELECT 1`')).toBe(true);
    expect(STATEMENT.test('await sql.run`DELETE FROM runs`')).toBe(true);
    expect(STATEMENT.test('await readRunState(db, id)')).toBe(false);
    expect(PRISMA.test("import { Prisma, type Store } from '@distillery/db';")).toBe(true);
    expect(PRISMA.test('prismaOf(db).run.findFirst()')).toBe(true);
    expect(DRIVER_IMPORT.test("const { PGlite } = await import('@electric-sql/pglite');")).toBe(true);
    expect(DRIVER_IMPORT.test("import pg from 'pg';")).toBe(true);
  });
});
