import { Prisma, prismaOf, type Store } from '@distillery/db';
import type { RunConfig, RunKind } from '@distillery/spec';
import { iso } from '../lib/iso.ts';
import type { QuantizeMethod, ResultSort, ResultsQuery } from '../schemas/result-filters.ts';
import type { TeamResultRow, TeamResultRowList } from '../schemas/team-results.ts';
import { analyticQuery } from './analytic-query.ts';
import { checkFilterTargets } from './check-filter-targets.ts';
import { configDimensions, type DimensionSource } from './config-dimensions.ts';
import { describeConfig } from './describe-config.ts';
import { resultsPageSize } from './results-page-size.ts';
import { teamFactsSql } from './team-facts-sql.ts';

interface RowRecord {
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
  config: RunConfig | null;
  /** The parts of the config the dimensions read (small: no data path, no activation options' arrays). */
  dims: DimensionSource;
  /** A PTQ variant's student's training (null otherwise). */
  studentTrain: RunConfig['train'];
  total: number;
}

/** Sort keys of a row, on the relation named `alias`. */
function order(sort: ResultSort, alias: string): Prisma.Sql {
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
 * `GET /v1/results/runs`: the team's runs with a result, one row each, filtered, sorted, one page. The page is
 * cut from the narrow facts first (a top-N sort; the total is a separate count, not a window that would sort every
 * row); only its rows are joined with their runs (labels, and configs for the JSON descriptions; CSV has no
 * description and skips them).
 */
export async function listTeamResultRuns(db: Store, teamId: string, query: ResultsQuery): Promise<TeamResultRowList> {
  await checkFilterTargets(db, teamId, query);
  const limit = resultsPageSize(query);
  const withConfig = query.format === 'json';
  const facts = teamFactsSql(teamId, query);
  const records = await analyticQuery<RowRecord>(
    db,
    Prisma.sql`
    WITH page AS (
      SELECT f.*, (SELECT count(*) FROM (${facts}) c)::int AS total FROM (${facts}) f
      ORDER BY ${order(query.sort, 'f')} LIMIT ${limit} OFFSET ${query.offset}
    )
    SELECT p."runId"::text AS "runId", p."sweepId"::text AS "sweepId", r.key, p.kind, r.label, p."group", p.seed,
      p.accuracy, p.loss, p.parameters, p.bytes, p.bits, res.backend, p."createdAt", p.dataset, p.family,
      p.activation, p.method, p."teacherId"::text AS "teacherId", p.total,
      ${withConfig ? Prisma.sql`r.config` : Prisma.sql`NULL::jsonb`} AS config,
      jsonb_build_object('dataset', jsonb_build_object('name', r.config->'dataset'->'name'),
        'model', r.config->'model', 'train', r.config->'train', 'distill', r.config->'distill',
        'quantize', r.config->'quantize', 'seed', r.config->'seed') AS dims,
      (SELECT s.config->'train' FROM runs s WHERE s.id = r.parent_id AND r.kind = 'quantize-ptq') AS "studentTrain"
    FROM page p JOIN runs r ON r.id = p."runId" JOIN results res ON res.run_id = p."runId"
    ORDER BY ${order(query.sort, 'p')}`,
  );
  const total = records[0]?.total ?? (await countFacts(db, facts));
  return { total, limit, offset: query.offset, items: records.map(toTeamResultRow) };
}

async function countFacts(db: Store, facts: Prisma.Sql): Promise<number> {
  const [row] = await prismaOf(db).$queryRaw<{ total: number }[]>(
    Prisma.sql`SELECT count(*)::int AS total FROM (${facts}) f`,
  );
  return row?.total ?? 0;
}

function toTeamResultRow(r: RowRecord): TeamResultRow {
  return {
    runId: r.runId,
    sweepId: r.sweepId,
    key: r.key,
    kind: r.kind as RunKind,
    label: r.label,
    seed: r.seed,
    accuracy: r.accuracy,
    loss: r.loss,
    parameters: r.parameters,
    bytes: r.bytes,
    backend: r.backend,
    group: r.group,
    dataset: r.dataset as TeamResultRow['dataset'],
    family: r.family,
    activation: r.activation,
    method: r.method as QuantizeMethod,
    bits: r.bits,
    teacherId: r.teacherId,
    description: r.config === null ? '' : describeConfig(r.config),
    dimensions: configDimensions(r.dims, r.teacherId, undefined, r.studentTrain),
    createdAt: iso(r.createdAt),
  };
}
