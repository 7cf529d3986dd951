import { inConnectionTransaction } from '../connection/in-connection-transaction.ts';
import type { PostgresConnection } from '../connection/postgres-connection.ts';
import { FileReferences } from './file-references.ts';
import {
  ImportConflictError,
  type ImportForeignRowError,
  TransferFileError,
  TransferSchemaError,
} from './transfer-errors.ts';
import {
  TRANSFER_FORMAT,
  TRANSFER_TABLES,
  TRANSFER_VERSION,
  type TransferCounts,
  type TransferHeader,
  type TransferRow,
  type TransferTable,
} from './transfer-format.ts';

export interface ImportResultsOptions {
  /** The team (id) that receives every sweep and run of the file. */
  teamId: string;
}

/** What an import did. */
export interface ImportReport {
  /** Rows per table in the file. */
  read: TransferCounts;
  /** Rows per table that were new here; the rest were present already (an earlier import of the same data). */
  inserted: TransferCounts;
}

/** Most bytes of row text sent in one statement. */
const MAX_BATCH_CHARS = 8 * 1024 * 1024;

function parseLine(line: string, lineNumber: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new TransferFileError(`line ${lineNumber} is not JSON: not a results file from \`distillery export\``);
  }
}

function checkHeader(value: unknown): TransferHeader {
  const header = value as Partial<TransferHeader> | null;
  if (header?.format !== TRANSFER_FORMAT) {
    throw new TransferFileError('not a results file from `distillery export` (its first line has no format)');
  }
  if (header.version !== TRANSFER_VERSION) {
    throw new TransferFileError(
      `results file version ${header.version} is not supported (this Distillery reads version ${TRANSFER_VERSION})`,
    );
  }
  if (!Array.isArray(header.migrations) || typeof header.counts !== 'object' || header.counts === null) {
    throw new TransferFileError('the results file header lacks its migrations or counts');
  }
  return header as TransferHeader;
}

/**
 * Imports a results file into `target` for one team, in one transaction: all of it or nothing. Ids are kept
 * (a sweep or run keeps its id, so links and references stay valid), except the metrics' serial ids, which the
 * target assigns. Idempotent: rows already present are left as they are (`ON CONFLICT DO NOTHING`), so
 * importing a file twice, or a later export of the same store, adds only what is new. Refuses a file from a
 * newer schema ({@link TransferSchemaError}), sweeps or runs that belong to another team
 * ({@link ImportConflictError}), a row that names a sweep or run the file does not carry
 * ({@link ImportForeignRowError}: how a file would write into another team's runs) and a damaged or truncated
 * file ({@link TransferFileError}).
 */
export async function importResults(
  target: PostgresConnection,
  lines: AsyncIterable<string>,
  options: ImportResultsOptions,
): Promise<ImportReport> {
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) throw new TransferFileError('the file is empty: not a results file from `distillery export`');
  const header = checkHeader(parseLine(first.value, 1));
  const applied = new Set(
    (
      await target.query<{ name: string }>(
        'SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      )
    ).map((r) => r.name),
  );
  const missing = header.migrations.filter((m) => !applied.has(m));
  if (missing.length > 0) throw new TransferSchemaError(missing);

  const order = new Map(TRANSFER_TABLES.map((t, i) => [t.name, i]));
  const read: TransferCounts = Object.fromEntries(TRANSFER_TABLES.map((t) => [t.name, 0]));
  const inserted: TransferCounts = { ...read };
  const columns = new Map<string, string[]>();
  const references = new FileReferences();
  return inConnectionTransaction(target, 'BEGIN', async () => {
    let table: TransferTable | undefined;
    let batch: string[] = [];
    let batchChars = 0;
    const flush = async () => {
      if (!table || batch.length === 0) return;
      inserted[table.name] =
        (inserted[table.name] ?? 0) + (await insertBatch(target, table, batch, options.teamId, columns));
      batch = [];
      batchChars = 0;
    };
    let lineNumber = 1;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      lineNumber++;
      if (next.value.trim() === '') continue;
      const entry = parseLine(next.value, lineNumber) as Partial<TransferRow>;
      const index = typeof entry.table === 'string' ? order.get(entry.table) : undefined;
      if (index === undefined || typeof entry.row !== 'object' || entry.row === null) {
        throw new TransferFileError(`line ${lineNumber} is not a row of a known table`);
      }
      if (table === undefined || TRANSFER_TABLES[index] !== table) {
        if (table !== undefined && index < (order.get(table.name) ?? 0)) {
          throw new TransferFileError(`line ${lineNumber}: ${entry.table} rows after ${table.name} rows`);
        }
        await flush();
        table = TRANSFER_TABLES[index];
      }
      references.check(entry.table as string, entry.row, lineNumber);
      const text = JSON.stringify(entry.row);
      batch.push(text);
      batchChars += text.length;
      read[entry.table as string] = (read[entry.table as string] ?? 0) + 1;
      if (batch.length >= (table?.batch ?? 1) || batchChars >= MAX_BATCH_CHARS) await flush();
    }
    await flush();
    for (const t of TRANSFER_TABLES) {
      const expected = header.counts[t.name] ?? 0;
      if (read[t.name] !== expected) {
        throw new TransferFileError(
          `the file holds ${read[t.name]} of the ${expected} ${t.name} rows its header announces: it is truncated or damaged`,
        );
      }
    }
    return { read, inserted };
  });
}

/** Inserts one batch of rows of `table` (new ones only); the number inserted. */
async function insertBatch(
  target: PostgresConnection,
  table: TransferTable,
  rows: string[],
  teamId: string,
  columnCache: Map<string, string[]>,
): Promise<number> {
  const json = `[${rows.join(',')}]`;
  if (table.teamOwned) {
    const foreign = await target.query<{ id: string }>(
      `SELECT t.id::text AS id FROM ${table.name} t
        WHERE t.id IN (SELECT r.id FROM jsonb_populate_recordset(NULL::${table.name}, $1::jsonb) r)
          AND t.team_id <> $2::uuid LIMIT 5`,
      [json, teamId],
    );
    if (foreign.length > 0)
      throw new ImportConflictError(
        table.name,
        foreign.map((r) => r.id),
      );
  }
  let columns = columnCache.get(table.name);
  if (!columns) {
    // The target's columns the file may carry: a newer target's extra columns take their defaults.
    columns = (
      await target.query<{ name: string }>(
        `SELECT column_name AS name FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
        [table.name],
      )
    )
      .map((r) => r.name)
      .filter((c) => !table.omit?.includes(c));
    columnCache.set(table.name, columns);
  }
  // Only the keys the file's rows have: a column missing from them keeps the target's default.
  const present = new Set(Object.keys(JSON.parse(rows[0] as string) as object));
  const carried = columns.filter((c) => present.has(c));
  const quoted = carried.map((c) => `"${c}"`);
  const values = carried.map((c) => (table.teamOwned && c === 'team_id' ? '$2::uuid' : `r."${c}"`));
  const [row] = await target.query<{ n: number }>(
    `WITH inserted AS (
       INSERT INTO ${table.name} (${quoted.join(', ')})
       SELECT ${values.join(', ')} FROM jsonb_populate_recordset(NULL::${table.name}, $1::jsonb) r
       ON CONFLICT DO NOTHING RETURNING 1
     ) SELECT count(*)::int AS n FROM inserted`,
    table.teamOwned ? [json, teamId] : [json],
  );
  return row?.n ?? 0;
}
