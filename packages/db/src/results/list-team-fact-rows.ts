import type { RunConfig } from '@distillery/spec';
import { Prisma } from '../generated/client.ts';
import type { SqlExecutor } from '../store/sql-executor.ts';
import { analyticRows, analyticSettings } from './analytic-rows.ts';
import type { ConfigurationSort } from './configuration-sort.ts';
import { fragmentRows } from './fragment-rows.ts';
import { pageTotal } from './page-total.ts';
import type { ResultFactFilters } from './result-fact-filters.ts';
import { teamFactsSql } from './team-facts-sql.ts';

/** One of a team's results (one replicate) with its run's facts. */
export interface TeamFactRow {
  runId: string;
  sweepId: string;
  key: string;
  kind: string;
  label: string;
  group: string;
  seed: number;
  accuracy: number;
  loss: number;
  parameters: number;
  bytes: number;
  bits: number;
  backend: string;
  createdAt: Date;
  dataset: string;
  family: string;
  activation: string;
  method: string;
  teacherId: string | null;
  /** The run's config, when asked for (`withConfig`); null otherwise. */
  config: RunConfig | null;
  /** The parts of the config the dimensions read (small: no data path, no activation options' arrays). */
  dims: Pick<RunConfig, 'model' | 'train' | 'distill' | 'quantize' | 'seed'> & {
    dataset: Pick<RunConfig['dataset'], 'name'>;
  };
  /** A PTQ variant's student's training (null otherwise). */
  studentTrain: RunConfig['train'];
}

/** Which page of a team's results to read. */
export interface TeamFactsQuery {
  sort: ConfigurationSort;
  limit: number;
  offset: number;
  /** Select each run's whole config (JSON descriptions need it; CSV does not). */
  withConfig: boolean;
}

/** Sort keys of a row, on the relation named `alias`. */
function order(sort: ConfigurationSort, alias: string): Prisma.Sql {
  const column = {
    '-accuracy': 'accuracy DESC',
    accuracy: 'accuracy ASC',
    bytes: 'bytes ASC',
    '-bytes': 'bytes DESC',
    parameters: 'parameters ASC',
    '-parameters': 'parameters DESC',
    // A run is one replicate: n orders like creation time.
    '-n': '"createdAt" DESC',
    n: '"createdAt" ASC',
    '-created': '"createdAt" DESC',
    created: '"createdAt" ASC',
  }[sort];
  return Prisma.raw(`${alias}.${column}, ${alias}."runId"`);
}

/**
 * The statement of a page of the team's results: cut from the narrow facts first (a top-N sort), then only its
 * rows joined with their runs (labels, and configs when asked). With `withTotal`, every row also carries how many
 * match in all (a separate count, not a window that would sort every row).
 */
function teamFactRowsSql(
  facts: Prisma.Sql,
  query: Pick<TeamFactsQuery, 'sort' | 'limit' | 'offset' | 'withConfig'>,
  withTotal: boolean,
): Prisma.Sql {
  const total = withTotal ? Prisma.sql`(SELECT count(*) FROM (${facts}) c)::int` : Prisma.sql`NULL::int`;
  return Prisma.sql`
    WITH page AS (
      SELECT f.*, ${total} AS total FROM (${facts}) f
      ORDER BY ${order(query.sort, 'f')} LIMIT ${query.limit} OFFSET ${query.offset}
    )
    SELECT p."runId"::text AS "runId", p."sweepId"::text AS "sweepId", r.key, p.kind, r.label, p."group", p.seed,
      p.accuracy, p.loss, p.parameters, p.bytes, p.bits, res.backend, p."createdAt", p.dataset, p.family,
      p.activation, p.method, p."teacherId"::text AS "teacherId", p.total,
      ${query.withConfig ? Prisma.sql`r.config` : Prisma.sql`NULL::jsonb`} AS config,
      jsonb_build_object('dataset', jsonb_build_object('name', r.config->'dataset'->'name'),
        'model', r.config->'model', 'train', r.config->'train', 'distill', r.config->'distill',
        'quantize', r.config->'quantize', 'prune', r.config->'prune', 'data', r.config->'data',
        'seed', r.config->'seed') AS dims,
      (SELECT s.config->'train' FROM runs s WHERE s.id = r.parent_id AND r.kind = 'quantize-ptq') AS "studentTrain"
    FROM page p JOIN runs r ON r.id = p."runId" JOIN results res ON res.run_id = p."runId"
    ORDER BY ${order(query.sort, 'p')}`;
}

/**
 * The team's results, one row per replicate, filtered, sorted, one page, and how many there are in all (see
 * teamFactRowsSql).
 */
export async function listTeamFactRows(
  db: SqlExecutor,
  teamId: string,
  filters: ResultFactFilters,
  query: TeamFactsQuery,
): Promise<{ total: number; rows: TeamFactRow[] }> {
  const facts = teamFactsSql(teamId, filters);
  const rows = await analyticRows<TeamFactRow & { total: number }>(db, teamFactRowsSql(facts, query, true));
  return { total: await pageTotal(db, rows, facts), rows };
}

/**
 * Rows per FETCH of streamTeamFactRows: enough to amortise a round trip; with its text (about 400 KB of CSV), one
 * batch is what an export holds beyond its stream's buffers.
 */
export const FACT_ROWS_BATCH = 1000;

/** Rows of the first FETCH: few, so the first bytes of an export leave as soon as the database has them. */
export const FACT_ROWS_FIRST_BATCH = 100;

/**
 * The same rows as listTeamFactRows (without configs or total), handed to `onBatch` a batch at a time from a
 * cursor (the first of at most FACT_ROWS_FIRST_BATCH rows), so an export of a million results never holds them
 * all: the next batch is fetched only after `onBatch` resolves (a slow reader slows the fetching). One read-only
 * transaction holds a connection for the whole export and is never retried (rows already handed over would be
 * handed over twice); a throwing `onBatch` ends it.
 */
export async function streamTeamFactRows(
  db: SqlExecutor,
  teamId: string,
  filters: ResultFactFilters,
  query: Pick<TeamFactsQuery, 'sort' | 'limit' | 'offset'>,
  onBatch: (rows: TeamFactRow[]) => Promise<void>,
  batchSize: number = FACT_ROWS_BATCH,
): Promise<void> {
  const statement = teamFactRowsSql(teamFactsSql(teamId, filters), { ...query, withConfig: false }, false);
  await db.transaction(
    async (tx) => {
      await analyticSettings(tx);
      await fragmentRows(tx, Prisma.sql`DECLARE team_fact_rows NO SCROLL CURSOR FOR ${statement}`);
      for (let size = Math.min(FACT_ROWS_FIRST_BATCH, batchSize); ; size = batchSize) {
        const rows = await fragmentRows<TeamFactRow>(
          tx,
          Prisma.sql`FETCH ${Prisma.raw(String(size))} FROM team_fact_rows`,
        );
        if (rows.length > 0) await onBatch(rows);
        if (rows.length < size) return;
      }
    },
    { tries: 1 },
  );
}
