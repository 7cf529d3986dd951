import type { RunConfig } from '@distillery/spec';
import { Prisma } from '../generated/client.ts';
import type { SqlExecutor } from '../store/sql-executor.ts';
import { analyticRows } from './analytic-rows.ts';
import type { ConfigurationSort } from './configuration-sort.ts';
import { fragmentRows } from './fragment-rows.ts';
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
 * The team's results, one row per replicate, filtered, sorted, one page, and how many there are in all. The page
 * is cut from the narrow facts first (a top-N sort; the total is a separate count, not a window that would sort
 * every row); only its rows are joined with their runs (labels, and configs when asked).
 */
export async function listTeamFactRows(
  db: SqlExecutor,
  teamId: string,
  filters: ResultFactFilters,
  query: TeamFactsQuery,
): Promise<{ total: number; rows: TeamFactRow[] }> {
  const facts = teamFactsSql(teamId, filters);
  const rows = await analyticRows<TeamFactRow & { total: number }>(
    db,
    Prisma.sql`
    WITH page AS (
      SELECT f.*, (SELECT count(*) FROM (${facts}) c)::int AS total FROM (${facts}) f
      ORDER BY ${order(query.sort, 'f')} LIMIT ${query.limit} OFFSET ${query.offset}
    )
    SELECT p."runId"::text AS "runId", p."sweepId"::text AS "sweepId", r.key, p.kind, r.label, p."group", p.seed,
      p.accuracy, p.loss, p.parameters, p.bytes, p.bits, res.backend, p."createdAt", p.dataset, p.family,
      p.activation, p.method, p."teacherId"::text AS "teacherId", p.total,
      ${query.withConfig ? Prisma.sql`r.config` : Prisma.sql`NULL::jsonb`} AS config,
      jsonb_build_object('dataset', jsonb_build_object('name', r.config->'dataset'->'name'),
        'model', r.config->'model', 'train', r.config->'train', 'distill', r.config->'distill',
        'quantize', r.config->'quantize', 'prune', r.config->'prune', 'seed', r.config->'seed') AS dims,
      (SELECT s.config->'train' FROM runs s WHERE s.id = r.parent_id AND r.kind = 'quantize-ptq') AS "studentTrain"
    FROM page p JOIN runs r ON r.id = p."runId" JOIN results res ON res.run_id = p."runId"
    ORDER BY ${order(query.sort, 'p')}`,
  );
  const total =
    rows[0]?.total ??
    (await fragmentRows<{ total: number }>(db, Prisma.sql`SELECT count(*)::int AS total FROM (${facts}) f`))[0]
      ?.total ??
    0;
  return { total, rows };
}
