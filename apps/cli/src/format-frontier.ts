import { agreement, ci95 } from './client/table.ts';

/** The parts of `GET /v1/frontier` the CLI prints. */
export interface FrontierView {
  datasets: {
    dataset: string;
    configurations: number;
    points: {
      description: string;
      bits: number;
      bytes: number;
      n: number;
      accuracy: { mean: number; std: number | null; ci95: { low: number; high: number } | null };
      agreement: { value: number | null; pairs: number };
    }[];
  }[];
}

const percent = (x: number) => `${(x * 100).toFixed(2)}%`;

/**
 * The accuracy-versus-bytes Pareto frontier as text, per data set, smallest first: each configuration that no
 * other beats on both mean accuracy and size.
 */
export function formatFrontier(frontier: FrontierView): string {
  if (frontier.datasets.length === 0) return 'no results on the frontier yet';
  return frontier.datasets
    .map((d) => {
      const rows = d.points.map((p) => [
        `${(p.bytes / 1024).toFixed(2)} KB`,
        `${percent(p.accuracy.mean)}${p.accuracy.std === null ? '' : ` ± ${(p.accuracy.std * 100).toFixed(2)}`}`,
        ci95(p.accuracy),
        String(p.n),
        agreement(p.agreement),
        p.description,
      ]);
      const header = ['size', 'accuracy', '95% CI', 'n', 'agreement (pairs)', 'configuration'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
      const line = (cells: string[]) =>
        cells
          .map((c, i) => (i < 5 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd();
      return [
        `accuracy-vs-size frontier, ${d.dataset}: ${d.points.length} of ${d.configurations} configurations`,
        line(header),
        line(widths.map((w) => '-'.repeat(w))),
        ...rows.map(line),
      ].join('\n');
    })
    .join('\n\n');
}
