import { Comparison } from '../../../schemas/comparison.ts';
import { CompareQuery } from '../../../schemas/result-filters.ts';
import { compareResults } from '../../../services/compare-results.ts';
import { comparisonToCsv } from '../../../services/team-results-to-csv.ts';
import { teamJsonOrCsvRoute } from '../team-json-or-csv-route.ts';

/** `GET /v1/compare`: B against A along one dimension, at otherwise equal configuration. */
export default teamJsonOrCsvRoute({
  summary: 'Compare two values of one dimension (e.g. LMA vs ReLU), paired on seed, with CI, p and verdict',
  description:
    'Pairs configurations whose configs are equal except for `dimension` (and the seed) and that share their ' +
    'teacher, and within them runs with the same seed. Each quantization (float, ptq 4-bit, …) is a stratum ' +
    'with its own paired t-test over one pair per (configuration, seed): the mean difference B − A, its 95% ' +
    'CI, the two-sided p-value, n and a verdict; a student and its quantized variants are never counted as ' +
    'more pairs. `dimension=bits` compares float (32) with quantized widths and `dimension=method` none with ' +
    'ptq or qat, pairing each student with its own variants. Takes the same filters as `/v1/results` (e.g. ' +
    '`bits=4`). The CSV has one line per seed pair with both run ids.',
  querystring: CompareQuery,
  answers: 'The comparison (JSON), or its seed pairs as CSV.',
  json: Comparison,
  read: compareResults,
  toCsv: comparisonToCsv,
  filename: (query) => `compare-${query.dimension}.csv`,
});
