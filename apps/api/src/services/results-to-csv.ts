import { toCsv } from '../lib/csv.ts';
import { CONFIG_DIMENSIONS } from '../schemas/config-dimensions.ts';
import type { ResultRow } from '../schemas/sweep-results.ts';

export const RESULT_CSV_COLUMNS = [
  'runId',
  'key',
  'kind',
  'label',
  'seed',
  'bits',
  'accuracy',
  'loss',
  'parameters',
  'bytes',
  'backend',
  'group',
  'splitDigest',
] as const satisfies readonly (keyof ResultRow)[];

/** The measured size breakdown, flattened after the row's own columns (empty when it was not measured). */
export const RESULT_CSV_SIZE_COLUMNS = ['codeBytes', 'headerBytes', 'floatBytes', 'quantizedFraction'] as const;

/** A sweep's result rows as CSV (RFC 4180, see lib/csv.ts), the configuration dimensions last, by spec path. */
export function resultsToCsv(rows: readonly ResultRow[]): string {
  return toCsv(
    [
      ...RESULT_CSV_COLUMNS.map((c) => [c, (row: ResultRow) => row[c]] as const),
      ...RESULT_CSV_SIZE_COLUMNS.map((c) => [c, (row: ResultRow) => row.sizeBreakdown?.[c] ?? null] as const),
      ...CONFIG_DIMENSIONS.map((d) => [d, (row: ResultRow) => row.dimensions[d]] as const),
    ],
    rows,
  );
}
