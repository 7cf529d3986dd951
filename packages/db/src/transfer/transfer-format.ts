/**
 * The results file of `distillery export` / `import`: JSON lines. The first line is a
 * {@link TransferHeader}; every other line is one row, `{"table":"runs","row":{…}}`, the row as PostgreSQL's
 * `to_jsonb` writes it (every column by its database name; `bytea` as `\x…` hex, timestamps in ISO 8601 with
 * their offset, `jsonb` nested), so a row goes back with `jsonb_populate_recordset` exactly as it was, whatever
 * columns later migrations add. Tables come in {@link TRANSFER_TABLES} order (parents first), runs ordered so
 * a run's parent precedes it.
 */
export const TRANSFER_FORMAT = 'distillery-results';
export const TRANSFER_VERSION = 1;

/** A table that travels, and how its rows are keyed. */
export interface TransferTable {
  /** The table's name in the database. */
  name: string;
  /** Its primary key columns with their SQL types (export pages by them). */
  key: readonly (readonly [column: string, type: string])[];
  /** Columns not carried over: the target assigns them (a serial id). */
  omit?: readonly string[];
  /** Rows per page when exporting and per statement when importing. */
  batch: number;
  /** Whether the table has a `team_id` set to the importing team. */
  teamOwned?: boolean;
}

/**
 * The team's data: sweeps, runs (and the earlier runs each sweep reuses), per-epoch metrics, results, model files
 * and the event history. Not carried:
 * teams and API keys (the importing team is chosen), checkpoints (files of this machine; an unfinished run
 * restarts its attempt), `result_facts` (rebuilt by its trigger as results arrive).
 */
export const TRANSFER_TABLES: readonly TransferTable[] = [
  { name: 'sweeps', key: [['id', 'uuid']], batch: 500, teamOwned: true },
  { name: 'runs', key: [['id', 'uuid']], batch: 1000, teamOwned: true },
  {
    name: 'reused_runs',
    key: [
      ['sweep_id', 'uuid'],
      ['key', 'text'],
    ],
    batch: 2000,
  },
  { name: 'metrics', key: [['id', 'bigint']], omit: ['id'], batch: 2000 },
  { name: 'results', key: [['run_id', 'uuid']], batch: 2000 },
  { name: 'artifacts', key: [['id', 'uuid']], batch: 20 },
  {
    name: 'run_events',
    key: [
      ['sweep_id', 'uuid'],
      ['seq', 'bigint'],
    ],
    batch: 2000,
  },
];

/** The first line of a results file. */
export interface TransferHeader {
  format: typeof TRANSFER_FORMAT;
  version: typeof TRANSFER_VERSION;
  /** ISO 8601. */
  exportedAt: string;
  /** The source's applied migrations: a target must have all of them (the same columns or more). */
  migrations: string[];
  /** Rows per table in the file. */
  counts: Record<string, number>;
}

/** One row line. */
export interface TransferRow {
  table: string;
  row: Record<string, unknown>;
}

/** Rows per table (exported, or inserted by an import). */
export type TransferCounts = Record<string, number>;
