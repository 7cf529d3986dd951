import { toCsv } from '../lib/csv.ts';
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
] as const satisfies readonly (keyof ResultRow)[];

/** A sweep's result rows as CSV (RFC 4180, see lib/csv.ts). */
export function resultsToCsv(rows: readonly ResultRow[]): string {
  return toCsv(
    RESULT_CSV_COLUMNS.map((c) => [c, (row: ResultRow) => row[c]] as const),
    rows,
  );
}
