import type { ConfigurationSort, Store } from '@distillery/db';
import type { ResultsQuery } from '../schemas/result-filters.ts';
import { checkFilterTargets } from './check-filter-targets.ts';
import { resultsPageSize } from './results-page-size.ts';

/** Which page of the team's results a query reads. */
export interface ResultsPage {
  sort: ConfigurationSort;
  limit: number;
  offset: number;
}

/**
 * The page `/v1/results` and `/v1/results/runs` read for a query (resultsPageSize: a CSV is everything unless
 * limited), once the sweep and teacher it filters by are known to be the team's (checkFilterTargets: a 404
 * otherwise).
 */
export async function resultsPage(db: Store, teamId: string, query: ResultsQuery): Promise<ResultsPage> {
  await checkFilterTargets(db, teamId, query);
  return { sort: query.sort, limit: resultsPageSize(query), offset: query.offset };
}
