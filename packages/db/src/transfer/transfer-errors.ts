// Typed errors of export and import. Classify them by `instanceof` or `code`, never by message text.

import { codedError } from '../coded-error.ts';

/** The file is not a results file, is of an unknown version, or ends early; nothing was imported. */
export class TransferFileError extends codedError('TRANSFER_FILE_INVALID') {}

/**
 * The file comes from a database with migrations the target lacks (its rows may carry columns the target does
 * not have); nothing was imported. Migrate the target first (`distillery migrate`).
 */
export class TransferSchemaError extends codedError('TRANSFER_SCHEMA_MISMATCH') {
  constructor(readonly missing: string[]) {
    super(
      `the file was exported from a database with migrations this one lacks (${missing.join(', ')}): ` +
        'upgrade Distillery here and run `distillery migrate`, then import again',
    );
  }
}

/** Sweeps or runs of the file already exist under another team (imported there before); nothing was imported. */
export class ImportConflictError extends codedError('IMPORT_CONFLICT') {
  constructor(
    readonly table: string,
    readonly ids: string[],
  ) {
    super(
      `${ids.length} of the file's ${table} already belong to another team (e.g. ${ids[0]}): ids are kept on ` +
        'import, so a file goes into one team; import it with that team',
    );
  }
}

/**
 * A row of the file names a sweep or run the file does not carry (e.g. metrics for another team's run); nothing
 * was imported. A results file refers only to its own sweeps and runs, so such a file was not written by
 * `distillery export`.
 */
export class ImportForeignRowError extends codedError('IMPORT_FOREIGN_ROW') {
  constructor(
    /** The row's line in the file (the header is line 1). */
    readonly line: number,
    readonly table: string,
    readonly column: string,
    readonly id: string,
    what: string,
  ) {
    super(
      `line ${line}: the ${table} row's ${column} ${id.length > 64 ? `${id.slice(0, 64)}…` : id} is ${what}: ` +
        'a results file may refer only to the sweeps and runs it carries; nothing was imported',
    );
  }
}
