import { MAX_RESULTS_EXPORT, type ResultsQuery } from '../schemas/result-filters.ts';

export const DEFAULT_RESULTS_PAGE = 100;

/** JSON pages default to 100 items; a CSV export is everything that matches unless a limit is given. */
export function resultsPageSize(query: Pick<ResultsQuery, 'limit' | 'format'>): number {
  return query.limit ?? (query.format === 'csv' ? MAX_RESULTS_EXPORT : DEFAULT_RESULTS_PAGE);
}
