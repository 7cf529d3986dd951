import { Prisma } from '../generated/client.ts';
import type { SqlExecutor } from '../store/sql-executor.ts';
import { analyticRows } from './analytic-rows.ts';
import type { ConfigurationRow } from './configuration-row.ts';
import type { ConfigurationSort } from './configuration-sort.ts';
import { configurationStatsSql, configurationsSql } from './configurations-sql.ts';
import { countRows, pageTotal } from './page-total.ts';
import type { ResultFactFilters } from './result-fact-filters.ts';
import { storedConfigurationStatsSql } from './stored-configuration-stats-sql.ts';
import { teamFactsSql } from './team-facts-sql.ts';

const ORDER: Record<ConfigurationSort, Prisma.Sql> = {
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

/** Which page of a team's configurations to read. */
export interface TeamConfigurationsQuery {
  sort: ConfigurationSort;
  limit: number;
  offset: number;
}

/** A page of configurations and how many there are in all. */
export interface TeamConfigurationPage {
  total: number;
  rows: ConfigurationRow[];
}

/**
 * The team's configurations (replicates aggregated), filtered, sorted, one page — in one statement: facts (or
 * the stored configurations) → configurations → the page → its replicates. The total comes with the page when
 * the configurations are grouped on the fly (a window over them); otherwise, and for a page past the end, it is
 * counted apart: for stored configurations at the same time as the page is read (on a pool, on another
 * connection), so a page waits for the longer of the two statements rather than for both in turn.
 */
export async function listTeamConfigurations(
  db: SqlExecutor,
  teamId: string,
  filters: ResultFactFilters,
  query: TeamConfigurationsQuery,
): Promise<TeamConfigurationPage> {
  const facts = teamFactsSql(teamId, filters);
  const stored = storedConfigurationStatsSql(teamId, filters);
  const stats = stored ?? configurationStatsSql(facts);
  const order = ORDER[query.sort];
  // Grouped on the fly, the configurations are all at hand anyway and a window counts them; stored, the page is
  // read through an index (the default order's) and the count is a separate index-only scan, instead of every
  // row of the team going through the window.
  const totalSql = stored === null ? Prisma.sql`count(*) OVER ()::int` : Prisma.sql`NULL::int`;
  const page = (configurations: Prisma.Sql) => Prisma.sql`
    SELECT q.*, row_number() OVER (ORDER BY ${order}, q."group", q.tkey)::int AS ord
    FROM (
      SELECT c.*, ${totalSql} AS total FROM ${configurations} c
      ORDER BY ${order}, c."group", c.tkey LIMIT ${query.limit} OFFSET ${query.offset}
    ) q`;
  const read = analyticRows<ConfigurationRow & { total: number }>(db, configurationsSql(facts, page, stats));
  if (stored !== null) {
    const [rows, total] = await Promise.all([read, countRows(db, stored)]);
    return { total, rows };
  }
  const rows = await read;
  return { total: await pageTotal(db, rows, stats), rows };
}
