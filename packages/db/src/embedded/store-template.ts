import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { applyPendingMigrations } from '../migrate/apply-pending-migrations.ts';
import type { MigrationFile } from '../migrate/migration-files.ts';
import { pgliteConnection } from './pglite-connection.ts';

/**
 * Glossary.
 * - store template: a closed PGlite database folder with every migration applied and no data, kept between
 *   processes. A new embedded store starts as a copy of it: PGlite's initdb, in WebAssembly, takes seconds of
 *   CPU (7 s measured on a 2-core Xeon), a copy of its ~40 MB a fraction of one. A cluster's folder copied while
 *   no process has it open is a valid cluster, as a cold backup is.
 */
const TEMPLATE_PREFIX = 'pglite-template-';

/** The database folder inside a template (the same name as in a data folder). */
const TEMPLATE_PGDATA = 'pgdata';

/** A builder that has not finished in this long is taken for dead (its process was killed). */
const STALE_BUILD_MS = 5 * 60_000;

/**
 * Where templates are kept unless told otherwise: `node_modules/.cache/distillery` beside PGlite (the usual
 * place for a package's derived files; a fresh `npm ci` removes it with the packages it was made from).
 */
export function defaultStoreTemplateDir(): string {
  const require = createRequire(import.meta.url);
  // …/node_modules/@electric-sql/pglite/dist/index.js → …/node_modules/.cache/distillery
  return join(dirname(require.resolve('@electric-sql/pglite')), '..', '..', '..', '.cache', 'distillery');
}

/** PGlite's version and the migrations' names and checksums: a template of other ones is never used. */
function templateKey(migrations: readonly MigrationFile[]): string {
  const require = createRequire(import.meta.url);
  const manifest = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const hash = createHash('sha256').update(`pglite ${version}\n`);
  for (const m of migrations) hash.update(`${m.name}:${m.checksum}\n`);
  return hash.digest('hex').slice(0, 16);
}

/**
 * The `pgdata` folder of the template for `migrations` in `dir`, built first when there is none (one builder
 * at a time across processes: a lock folder; the others wait for it rather than each run initdb on the same
 * cores). Templates of other migrations or PGlite versions in `dir` are deleted once a new one is built. Null
 * when no template can be had (the folder is read-only, the build failed): the caller then creates its
 * database in place, which reports any real problem with its own errors.
 */
export async function migratedStoreTemplate(
  migrations: readonly MigrationFile[],
  dir: string = defaultStoreTemplateDir(),
): Promise<string | null> {
  const template = join(dir, `${TEMPLATE_PREFIX}${templateKey(migrations)}`);
  const lock = `${template}.lock`;
  try {
    await mkdir(dir, { recursive: true });
    for (;;) {
      if (existsSync(join(template, TEMPLATE_PGDATA))) return join(template, TEMPLATE_PGDATA);
      try {
        await mkdir(lock);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return null;
        const since = await stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (since > STALE_BUILD_MS) await rm(lock, { recursive: true, force: true });
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      try {
        await build(template, migrations);
        await removeOtherTemplates(dir, basename(template));
        return join(template, TEMPLATE_PGDATA);
      } finally {
        await rm(lock, { recursive: true, force: true });
      }
    }
  } catch {
    return null;
  }
}

/** Creates and migrates a database beside `template`, closes it, and moves it into place in one rename. */
async function build(template: string, migrations: readonly MigrationFile[]): Promise<void> {
  const building = await mkdtemp(`${template}.building-`);
  try {
    const pglite = await PGlite.create({ dataDir: join(building, TEMPLATE_PGDATA) });
    try {
      await applyPendingMigrations(pgliteConnection(pglite), migrations, { lockTimeoutMs: 60_000, log: () => {} });
    } finally {
      await pglite.close();
    }
    await rename(building, template);
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw error;
  }
}

/** Best effort: templates nothing will use again (other keys), not ones being built or locked right now. */
async function removeOtherTemplates(dir: string, keep: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.startsWith(TEMPLATE_PREFIX) && name !== keep && !name.includes('.')) {
      await rm(join(dir, name), { recursive: true, force: true }).catch(() => {});
    }
  }
}
