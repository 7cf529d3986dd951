import { Prisma, type PrismaClient } from '@distillery/db';
import type { RunConfig, RunKind } from '@distillery/spec';
import { iso } from '../lib/iso.ts';
import type { QuantizeMethod, ResultSort, ResultsQuery } from '../schemas/result-filters.ts';
import type { TeamResultRow, TeamResultRowList } from '../schemas/team-results.ts';
import { checkFilterTargets } from './check-filter-targets.ts';
import { describeConfig } from './describe-config.ts';
import { countRows, resultsPageSize } from './results-page-size.ts';
import { teamResultRowsSql } from './team-results-sql.ts';

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
  config: RunConfig;
  total: number;
}

const ORDER: Record<ResultSort, Prisma.Sql> = {
  '-accuracy': Prisma.sql`accuracy DESC`,
  accuracy: Prisma.sql`accuracy ASC`,
  bytes: Prisma.sql`bytes ASC`,
  '-bytes': Prisma.sql`bytes DESC`,
  parameters: Prisma.sql`parameters ASC`,
  '-parameters': Prisma.sql`parameters DESC`,
  // A run is one replicate: n orders like creation time.
  '-n': Prisma.sql`"createdAt" DESC`,
  n: Prisma.sql`"createdAt" ASC`,
  '-created': Prisma.sql`"createdAt" DESC`,
  created: Prisma.sql`"createdAt" ASC`,
};

/** `GET /v1/results/runs`: the team's runs with a result, one row each, filtered, sorted, one page. */
export async function listTeamResultRuns(
  db: PrismaClient,
  teamId: string,
  query: ResultsQuery,
): Promise<TeamResultRowList> {
  await checkFilterTargets(db, teamId, query);
  const limit = resultsPageSize(query);
  const rows = teamResultRowsSql(teamId, query);
  const records = await db.$queryRaw<RowRecord[]>(Prisma.sql`
    SELECT t."runId"::text AS "runId", t."sweepId"::text AS "sweepId", t.key, t.kind, t.label, t."group", t.seed,
      t.accuracy, t.loss, t.parameters, t.bytes, t.bits, t.backend, t."createdAt", t.dataset, t.family,
      t.activation, t.method, t."teacherId"::text AS "teacherId", t.config, count(*) OVER ()::int AS total
    FROM (${rows}) t
    ORDER BY ${ORDER[query.sort]}, t."runId" LIMIT ${limit} OFFSET ${query.offset}`);
  const total = records[0]?.total ?? (query.offset === 0 ? 0 : await countRows(db, rows));
  return { total, limit, offset: query.offset, items: records.map(toTeamResultRow) };
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
    description: describeConfig(r.config),
    createdAt: iso(r.createdAt),
  };
}
