/** A CSV cell: lists become `;`-separated, null an empty field. */
export type CsvValue = string | number | boolean | null | readonly (string | number)[];

/**
 * RFC 4180: a header line, CRLF line ends, fields quoted when they hold a comma, quote or line break. Columns are
 * `[header, value of a row]` pairs.
 */
export function toCsv<T>(columns: readonly (readonly [string, (row: T) => CsvValue])[], rows: readonly T[]): string {
  const lines = [columns.map(([name]) => csvField(name)).join(',')];
  for (const row of rows) lines.push(columns.map(([, value]) => csvField(value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function csvField(value: CsvValue): string {
  if (value === null) return '';
  const text = Array.isArray(value) ? value.join(';') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
