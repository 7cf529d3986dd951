import { listTeamConfigurations, type Store } from '@distillery/db';
import type { ReplicateAgreement } from '@distillery/spec';
import type { ResultsQuery } from '../schemas/result-filters.ts';
import type { ConfigurationResultList } from '../schemas/team-results.ts';
import { toConfigurationResult } from './assemble-configurations.ts';
import { replicateAgreements } from './replicate-agreements.ts';
import { resultsPage } from './results-page.ts';

/** `GET /v1/results`: the team's configurations (replicates aggregated), filtered, sorted, one page. */
export async function listTeamResults(
  db: Store,
  teamId: string,
  query: ResultsQuery,
): Promise<ConfigurationResultList> {
  const page = await resultsPage(db, teamId, query);
  const { total, rows } = await listTeamConfigurations(db, teamId, query, page);
  const agreements = await replicateAgreements(db, teamId, rows);
  return {
    total,
    limit: page.limit,
    offset: page.offset,
    items: rows.map((r, i) => toConfigurationResult(r, agreements[i] as ReplicateAgreement)),
  };
}
