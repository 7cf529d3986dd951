import { Prisma, type PrismaClient } from '@distillery/db';
import type { RunConfig, RunKind } from '@distillery/spec';
import { iso } from '../lib/iso.ts';
import type { QuantizeMethod, ResultSort, ResultsQuery } from '../schemas/result-filters.ts';
import type { TeamResultRow, TeamResultRowList } from '../schemas/team-results.ts';
import { analyticQuery } from './analytic-query.ts';
import { checkFilterTargets } from './check-filter-targets.ts';
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
  total: number;
}

const ORDER: Record<ResultSort, Prisma.Sql> = {
  '-accuracy': Prisma.sql`f.accuracy DESC`,
  accuracy: Prisma.sql`f.accuracy ASC`,
  bytes: Prisma.sql`f.bytes ASC`,
  '-bytes': Prisma.sql`f.bytes DESC`,
  parameters: Prisma.sql`f.parameters ASC`,
  '-parameters': Prisma.sql`f.parameters DESC`,
  // A run is one replicate: n orders like creation time.
  '-n': Prisma.sql`f."createdAt" DESC`,
  n: Prisma.sql`f."createdAt" ASC`,
  '-created': Prisma.sql`f."createdAt" DESC`,
  created: Prisma.sql`f."createdAt" ASC`,
};

/**
 * `GET /v1/results/runs`: the team's runs with a result, one row each, filtered, sorted, one page. The page is
 * cut from the narrow facts first; only its rows are joined with their runs (labels, and configs for the JSON
 * descriptions; CSV has no description and skips them).
 */
export async function listTeamResultRuns(
  db: PrismaClient,
  teamId: string,
  query: ResultsQuery,
): Promise<TeamResultRowList> {
  await checkFilterTargets(db, teamId, query);
  const limit = resultsPageSize(query);
  const withConfig = query.format === 'json';
  const records = await analyticQuery<RowRecord>(
    db,
    Prisma.sql`
    WITH page AS (
      SELECT f.*, count(*) OVER ()::int AS total, row_number() OVER (ORDER BY ${ORDER[query.sort]}, f."runId") AS ord
      FROM (${teamFactsSql(teamId, query)}) f
      ORDER BY ord LIMIT ${limit} OFFSET ${query.offset}
    )
    SELECT p."runId"::text AS "runId", p."sweepId"::text AS "sweepId", r.key, p.kind, r.label, p."group", p.seed,
      p.accuracy, p.loss, p.parameters, p.bytes, p.bits, res.backend, p."createdAt", p.dataset, p.family,
      p.activation, p.method, p."teacherId"::text AS "teacherId", p.total,
      ${withConfig ? Prisma.sql`r.config` : Prisma.sql`NULL::jsonb`} AS config
    FROM page p JOIN runs r ON r.id = p."runId" JOIN results res ON res.run_id = p."runId"
    ORDER BY p.ord`,
  );
  const total = records[0]?.total ?? (await countFacts(db, teamFactsSql(teamId, query)));
  return { total, limit, offset: query.offset, items: records.map(toTeamResultRow) };
}

async function countFacts(db: PrismaClient, facts: Prisma.Sql): Promise<number> {
  const [row] = await db.$queryRaw<{ total: number }[]>(Prisma.sql`SELECT count(*)::int AS total FROM (${facts}) f`);
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
    createdAt: iso(r.createdAt),
  };
}
