import { MetricsCsv, MetricsExport, MetricsQuery } from '../../../../schemas/metrics-export.ts';
import { metricsToCsv, sweepMetrics } from '../../../../services/export-metrics.ts';
import { jsonOrCsvRoute } from '../../json-or-csv-route.ts';

/** `GET /v1/sweeps/:id/metrics`: the learning curves of a sweep's runs, one row per run and epoch; or CSV. */
export default jsonOrCsvRoute({
  name: 'metrics',
  tag: 'runs',
  summary: "Per-epoch metrics of a sweep's runs (JSON or CSV)",
  querystring: MetricsQuery,
  answers: 'One row per run and finished epoch, or (`format=csv`) the rows as CSV.',
  json: MetricsExport,
  csv: MetricsCsv,
  read: sweepMetrics,
  toCsv: (metrics) => metricsToCsv(metrics.rows),
  filename: (id) => `sweep-${id}-metrics.csv`,
});
