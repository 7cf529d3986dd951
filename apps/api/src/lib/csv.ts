/** A CSV cell: lists become `;`-separated, null an empty field. */
export type CsvValue = string | number | boolean | null | readonly (string | number)[];

/**
 * RFC 4180: a header line, CRLF line ends, fields quoted when they hold a comma, quote or line break. Columns are
 * `[header, value of a row]` pairs.
 */
export function toCsv<T>(columns: CsvColumns<T>, rows: readonly T[]): string {
  return csvHeader(columns) + csvLines(columns, rows);
}

/** `[header, value of a row]` pairs: a CSV's columns. */
export type CsvColumns<T> = readonly (readonly [string, (row: T) => CsvValue])[];

/** The header line of toCsv, CRLF included: the start of a CSV streamed in parts. */
export function csvHeader<T>(columns: CsvColumns<T>): string {
  return `${columns.map(([name]) => csvField(name)).join(',')}\r\n`;
}

/** The lines of `rows` as toCsv writes them, each ending in CRLF ('' for none): a part of a streamed CSV. */
export function csvLines<T>(columns: CsvColumns<T>, rows: readonly T[]): string {
  let text = '';
  for (const row of rows) text += `${columns.map(([, value]) => csvField(value(row))).join(',')}\r\n`;
  return text;
}

export function csvField(value: CsvValue): string {
  if (value === null) return '';
  const text = Array.isArray(value) ? value.join(';') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
