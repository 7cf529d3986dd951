import { Prisma, prismaOf, type Store } from '@distillery/db';
import type { ResultSort, ResultsQuery } from '../schemas/result-filters.ts';
import type { ConfigurationResultList } from '../schemas/team-results.ts';
import { analyticQuery } from './analytic-query.ts';
import { type ConfigurationRecord, toConfigurationResult } from './assemble-configurations.ts';
import { checkFilterTargets } from './check-filter-targets.ts';
import { configurationStatsSql, configurationsSql } from './configurations-sql.ts';
import { resultsPageSize } from './results-page-size.ts';
import { teamFactsSql } from './team-facts-sql.ts';

const ORDER: Record<ResultSort, Prisma.Sql> = {
  '-accuracy': Prisma.sql`"accuracyMean" DESC`,
  accuracy: Prisma.sql`"accuracyMean" ASC`,
  bytes: Prisma.sql`bytes ASC`,
  '-bytes': Prisma.sql`bytes DESC`,
  parameters: Prisma.sql`parameters ASC`,
  '-parameters': Prisma.sql`parameters DESC`,
  '-n': Prisma.sql`n DESC`,
  n: Prisma.sql`n ASC`,
  '-created': Prisma.sql`"latestAt" DESC`,
  created: Prisma.sql`"latestAt" ASC`,
};

/**
 * `GET /v1/results`: the team's configurations (replicates aggregated), filtered, sorted, one page — in one
 * statement: facts → configurations → the page → its replicates.
 */
export async function listTeamResults(
  db: Store,
  teamId: string,
  query: ResultsQuery,
): Promise<ConfigurationResultList> {
  await checkFilterTargets(db, teamId, query);
  const limit = resultsPageSize(query);
  const facts = teamFactsSql(teamId, query);
  const page = Prisma.sql`SELECT q.*, row_number() OVER (ORDER BY ${ORDER[query.sort]}, q."group", q.tkey)::int AS ord
    FROM (
      SELECT s.*, count(*) OVER ()::int AS total FROM s
      ORDER BY ${ORDER[query.sort]}, s."group", s.tkey LIMIT ${limit} OFFSET ${query.offset}
    ) q`;
  const rows = await analyticQuery<ConfigurationRecord & { total: number }>(db, configurationsSql(facts, page));
  const total = rows[0]?.total ?? (await countConfigurations(db, facts));
  return { total, limit, offset: query.offset, items: rows.map((r) => toConfigurationResult(r)) };
}

async function countConfigurations(db: Store, facts: Prisma.Sql): Promise<number> {
  const [row] = await prismaOf(db).$queryRaw<{ total: number }[]>(
    Prisma.sql`SELECT count(*)::int AS total FROM (${configurationStatsSql(facts)}) s`,
  );
  return row?.total ?? 0;
}
