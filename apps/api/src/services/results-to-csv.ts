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

/** RFC 4180: a header line, CRLF line ends, fields quoted when they hold a comma, quote or line break. */
export function resultsToCsv(rows: readonly ResultRow[]): string {
  const lines = [RESULT_CSV_COLUMNS.join(',')];
  for (const row of rows) lines.push(RESULT_CSV_COLUMNS.map((c) => csvField(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
