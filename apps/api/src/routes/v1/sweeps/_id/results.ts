import { SweepResultsQuery } from '../../../../schemas/sweep-queries.ts';
import { ResultsCsv, SweepResults } from '../../../../schemas/sweep-results.ts';
import { getSweepResults } from '../../../../services/get-sweep-results.ts';
import { resultsToCsv } from '../../../../services/results-to-csv.ts';
import { jsonOrCsvRoute } from '../../json-or-csv-route.ts';

/** `GET /v1/sweeps/:id/results`: one row per run with a result, and the replicates aggregated; or CSV. */
export default jsonOrCsvRoute({
  name: 'results',
  tag: 'results',
  summary: "A sweep's results",
  querystring: SweepResultsQuery,
  answers: 'JSON rows and groups, or (`format=csv`) the rows as CSV.',
  json: SweepResults,
  csv: ResultsCsv,
  read: getSweepResults,
  toCsv: (results) => resultsToCsv(results.rows),
  filename: (id) => `sweep-${id}-results.csv`,
});
