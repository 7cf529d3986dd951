import { Frontier } from '../../../schemas/frontier.ts';
import { FrontierQuery } from '../../../schemas/result-filters.ts';
import { getFrontier } from '../../../services/get-frontier.ts';
import { frontierToCsv } from '../../../services/team-results-to-csv.ts';
import { teamJsonOrCsvRoute } from '../team-json-or-csv-route.ts';

/** `GET /v1/frontier`: the accuracy-versus-bytes Pareto frontier of the team's configurations, per data set. */
export default teamJsonOrCsvRoute({
  summary: 'The accuracy-vs-bytes Pareto frontier per data set',
  description:
    "Computed on configurations' mean accuracy and mean bytes (seeds are replicates). A configuration is on " +
    'the frontier when every configuration at most as large is strictly less accurate. Each point lists the ' +
    'runs behind it. Takes the same filters as `/v1/results`.',
  querystring: FrontierQuery,
  answers: 'The frontier (JSON), or its points as CSV.',
  json: Frontier,
  read: getFrontier,
  toCsv: frontierToCsv,
  filename: () => 'frontier.csv',
});
