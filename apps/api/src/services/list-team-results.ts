import { listTeamConfigurations, type Store } from '@distillery/db';
import type { ReplicateAgreement } from '@distillery/spec';
import type { ResultsQuery } from '../schemas/result-filters.ts';
import type { ConfigurationResultList } from '../schemas/team-results.ts';
import { toConfigurationResult } from './assemble-configurations.ts';
import { checkFilterTargets } from './check-filter-targets.ts';
import { replicateAgreements } from './replicate-agreements.ts';
import { resultsPageSize } from './results-page-size.ts';

/** `GET /v1/results`: the team's configurations (replicates aggregated), filtered, sorted, one page. */
export async function listTeamResults(
  db: Store,
  teamId: string,
  query: ResultsQuery,
): Promise<ConfigurationResultList> {
  await checkFilterTargets(db, teamId, query);
  const limit = resultsPageSize(query);
  const { total, rows } = await listTeamConfigurations(db, teamId, query, {
    sort: query.sort,
    limit,
    offset: query.offset,
  });
  const agreements = await replicateAgreements(db, teamId, rows);
  return {
    total,
    limit,
    offset: query.offset,
    items: rows.map((r, i) => toConfigurationResult(r, agreements[i] as ReplicateAgreement)),
  };
}
