import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MigrationsNotFoundError } from './migration-errors.ts';

/** One migration folder: `<timestamp>_<name>/migration.sql`. */
export interface MigrationFile {
  /** The folder name, which is the `migration_name` in `_prisma_migrations`. */
  name: string;
  /** The SQL script. */
  sql: string;
  /** sha256 hex of the file's bytes: what Prisma records as `checksum`. */
  checksum: string;
  /** Checksums of the same script with other line endings (CRLF <-> LF), which Prisma also accepts. */
  equivalentChecksums: string[];
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/**
 * Reads the migration folders in name order (Prisma's order: names start with a timestamp). Entries that are not
 * folders with a migration.sql (e.g. migration_lock.toml) are skipped, as Prisma does.
 */
export async function readMigrationFiles(directory: string): Promise<MigrationFile[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    throw new MigrationsNotFoundError(`Cannot read the migrations folder ${directory}`, { cause: error });
  }
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const migrations: MigrationFile[] = [];
  for (const name of names) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(directory, name, 'migration.sql'));
    } catch {
      continue;
    }
    const sql = bytes.toString('utf8');
    const checksum = sha256(bytes);
    const lf = sql.replace(/\r\n/g, '\n');
    const crlf = lf.replace(/\n/g, '\r\n');
    const equivalentChecksums = [...new Set([sha256(lf), sha256(crlf)])].filter((c) => c !== checksum);
    migrations.push({ name, sql, checksum, equivalentChecksums });
  }
  if (migrations.length === 0) {
    throw new MigrationsNotFoundError(`No migrations (<name>/migration.sql) in ${directory}`);
  }
  return migrations;
}
