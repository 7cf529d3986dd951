import { MetricsCsv, MetricsExport, MetricsQuery } from '../../../../schemas/metrics-export.ts';
import { metricsToCsv, runMetrics } from '../../../../services/export-metrics.ts';
import { jsonOrCsvRoute } from '../../json-or-csv-route.ts';

/** `GET /v1/runs/:id/metrics`: a run's learning curve, one row per epoch; or CSV. */
export default jsonOrCsvRoute({
  name: 'metrics',
  tag: 'runs',
  summary: "A run's per-epoch metrics (JSON or CSV)",
  querystring: MetricsQuery,
  answers: 'One row per finished epoch, or (`format=csv`) the rows as CSV.',
  json: MetricsExport,
  csv: MetricsCsv,
  read: runMetrics,
  toCsv: (metrics) => metricsToCsv(metrics.rows),
  filename: (id) => `run-${id}-metrics.csv`,
});
