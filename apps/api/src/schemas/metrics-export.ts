import { z } from 'zod';
import { RecordedEpoch } from './recorded-epoch.ts';
import { RunRowFields } from './run-row-fields.ts';
import { RESULT_FORMATS } from './sweep-queries.ts';

/** One finished epoch of one run: the learning curve as rows, to plot or join on `runId` with the results. */
export const EpochMetricsRow = RecordedEpoch.extend({
  ...RunRowFields,
  group: z.string().describe("The run's `groupHash`: replicates share it."),
}).meta({ id: 'EpochMetricsRow' });
export type EpochMetricsRow = z.infer<typeof EpochMetricsRow>;

/** Every epoch recorded, by run key then epoch. */
export const MetricsExport = z
  .object({ rows: z.array(EpochMetricsRow).describe('One row per run and epoch, by run then epoch.') })
  .meta({ id: 'MetricsExport' });
export type MetricsExport = z.infer<typeof MetricsExport>;

export const MetricsQuery = z.object({
  format: z.enum(RESULT_FORMATS).default('json').describe('`csv`: the rows as text/csv.'),
});
export type MetricsQuery = z.infer<typeof MetricsQuery>;

export const METRICS_CSV_COLUMNS = [
  'runId',
  'key',
  'kind',
  'label',
  'group',
  'epoch',
  'trainLoss',
  'trainAccuracy',
  'valLoss',
  'valAccuracy',
  'learningRate',
  'seconds',
  'recordedAt',
] as const satisfies readonly (keyof EpochMetricsRow)[];

export const MetricsCsv = z
  .string()
  .describe(
    `CSV with a header line: ${METRICS_CSV_COLUMNS.join(',')} (valLoss and valAccuracy empty without a validation split)`,
  );
