import { inConnectionTransaction } from '../connection/in-connection-transaction.ts';
import type { PostgresConnection } from '../connection/postgres-connection.ts';
import {
  TRANSFER_FORMAT,
  TRANSFER_TABLES,
  TRANSFER_VERSION,
  type TransferCounts,
  type TransferHeader,
  type TransferTable,
} from './transfer-format.ts';

export interface ExportResultsOptions {
  /** Only this team's data (by id). @defaultValue every team's */
  teamId?: string;
}

/** Which rows of each table belong to the exported team ($1: its id, or null for all). */
const TEAM_FILTER: Record<string, string> = {
  sweeps: '($1::uuid IS NULL OR t.team_id = $1::uuid)',
  runs: '($1::uuid IS NULL OR t.team_id = $1::uuid)',
  reused_runs: '($1::uuid IS NULL OR t.sweep_id IN (SELECT id FROM sweeps WHERE team_id = $1::uuid))',
  metrics: '($1::uuid IS NULL OR t.run_id IN (SELECT id FROM runs WHERE team_id = $1::uuid))',
  results: '($1::uuid IS NULL OR t.run_id IN (SELECT id FROM runs WHERE team_id = $1::uuid))',
  artifacts: '($1::uuid IS NULL OR t.run_id IN (SELECT id FROM runs WHERE team_id = $1::uuid))',
  run_events: '($1::uuid IS NULL OR t.sweep_id IN (SELECT id FROM sweeps WHERE team_id = $1::uuid))',
};

/** A temporary table of run ids by depth in the DAG (a reused teacher may be another sweep's run). */
const RUN_ORDER = 'distillery_export_run_order';

/**
 * Writes a results file (see transfer-format.ts) of `source` line by line through `write`, in one snapshot
 * (REPEATABLE READ): the header with the counts, then every table's rows, page by page, so memory stays
 * bounded by a page whatever the size of the database. Returns the counts.
 */
export async function exportResults(
  source: PostgresConnection,
  write: (line: string) => void | Promise<void>,
  options: ExportResultsOptions = {},
): Promise<TransferCounts> {
  const team = options.teamId ?? null;
  return inConnectionTransaction(source, 'BEGIN ISOLATION LEVEL REPEATABLE READ', async () => {
    const migrations = (
      await source.query<{ name: string }>(
        `SELECT migration_name AS name FROM _prisma_migrations
          WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
      )
    ).map((r) => r.name);
    const counts: TransferCounts = {};
    for (const table of TRANSFER_TABLES) {
      const [row] = await source.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table.name} t WHERE ${TEAM_FILTER[table.name]}`,
        [team],
      );
      counts[table.name] = row?.n ?? 0;
    }
    const header: TransferHeader = {
      format: TRANSFER_FORMAT,
      version: TRANSFER_VERSION,
      exportedAt: new Date().toISOString(),
      migrations,
      counts,
    };
    await write(JSON.stringify(header));
    await source.exec(`CREATE TEMP TABLE ${RUN_ORDER} ON COMMIT DROP AS
      WITH RECURSIVE d AS (
        SELECT id, 0 AS depth FROM runs WHERE parent_id IS NULL
        UNION ALL SELECT r.id, d.depth + 1 FROM runs r JOIN d ON r.parent_id = d.id
      ) SELECT id, depth FROM d`);
    for (const table of TRANSFER_TABLES) await exportTable(source, table, team, write);
    return counts;
  });
}

/** Pages through one table by its key (runs: by depth, then id), writing a line per row. */
async function exportTable(
  source: PostgresConnection,
  table: TransferTable,
  team: string | null,
  write: (line: string) => void | Promise<void>,
): Promise<void> {
  const runs = table.name === 'runs';
  const keys: (readonly [string, string])[] = runs
    ? [
        ['depth', 'int'],
        ['id', 'uuid'],
      ]
    : [...table.key];
  const keyExpr = (k: string) => (runs && k === 'depth' ? 'o.depth' : `t.${k}`);
  const tuple = `(${keys.map(([k]) => keyExpr(k)).join(', ')})`;
  const after = `(${keys.map(([, type], i) => `$${i + 2}::${type}`).join(', ')})`;
  const from = runs ? `runs t JOIN ${RUN_ORDER} o ON o.id = t.id` : `${table.name} t`;
  const select = `SELECT to_jsonb(t)::text AS row, ${keys.map(([k], i) => `${keyExpr(k)}::text AS k${i}`).join(', ')}`;
  let last: (string | null)[] | undefined;
  for (;;) {
    const page = await source.query<Record<string, string>>(
      `${select} FROM ${from}
        WHERE ${TEAM_FILTER[table.name]} AND ($${keys.length + 2}::boolean OR ${tuple} > ${after})
        ORDER BY ${keys.map(([k]) => keyExpr(k)).join(', ')} LIMIT ${table.batch}`,
      [team, ...(last ?? keys.map(() => null)), last === undefined],
    );
    for (const r of page) await write(`{"table":${JSON.stringify(table.name)},"row":${r.row}}`);
    if (page.length < table.batch) return;
    const tail = page[page.length - 1] as Record<string, string>;
    last = keys.map((_, i) => tail[`k${i}`] ?? null);
  }
}
