/** Columns whose cells are right-aligned (numbers). */
export type Alignment = 'left' | 'right';

/** A fixed-width text table: a header, a rule, one line per row; trailing spaces trimmed. */
export function formatTable(headers: string[], rows: string[][], align: Alignment[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (align[i] === 'right' ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function percent(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? '–' : `${(value * 100).toFixed(digits)}%`;
}

export function meanStd(stats: { mean: number | null; std: number | null }): string {
  if (stats.mean === null) return '–';
  return stats.std === null ? percent(stats.mean) : `${percent(stats.mean)} ± ${(stats.std * 100).toFixed(2)}`;
}

/** A 95% confidence interval in percent, `[85.01, 88.99]`; `–` for a single replicate. */
export function ci95(stats: { ci95: { low: number; high: number } | null }): string {
  return stats.ci95 === null ? '–' : `[${(stats.ci95.low * 100).toFixed(2)}, ${(stats.ci95.high * 100).toFixed(2)}]`;
}

/**
 * Replicate agreement (the mean pairwise fraction of test examples two seeds predict alike) with its pairs:
 * `97.50% (3)`; `–` without a pair.
 */
export function agreement(a: { value: number | null; pairs: number }): string {
  return a.value === null ? '–' : `${(a.value * 100).toFixed(2)}% (${a.pairs})`;
}

export function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/** `[#########.........]  45%` */
export function progressBar(fraction: number, width = 20): string {
  const f = Math.max(0, Math.min(1, fraction));
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}%`;
}
