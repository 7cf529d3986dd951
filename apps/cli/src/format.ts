import type { RunSummary, SweepResults } from '@distillery/api';
import { agreement, ci95 } from './client/table.ts';

/** One line per run state: `student  activation=lma-8 · seed 1   running  50%`. */
export function formatRunLine(run: RunSummary): string {
  const progress = run.state === 'running' ? ` ${Math.round(run.progress * 100)}%` : '';
  const result = run.result ? `  accuracy ${(run.result.accuracy * 100).toFixed(2)}%` : '';
  const reused = run.reusedFrom ? `  reused from sweep ${run.reusedFrom.sweepId} (run ${run.reusedFrom.runId})` : '';
  return `${run.kind.padEnd(13)} ${run.label.padEnd(44)} ${run.state}${progress}${result}${reused}`;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/**
 * Replicate groups as a fixed-width table: accuracy as mean ± std over seeds with its 95% CI, size, and the seeds'
 * agreement on the test examples.
 */
export function formatResultsTable(results: SweepResults): string {
  const header = ['kind', 'configuration', 'bits', 'params', 'size', 'accuracy', '95% CI', 'n', 'agreement (pairs)'];
  const rows = results.groups.map((g) => [
    g.kind,
    g.label,
    String(g.bits),
    String(Math.round(g.parameters)),
    kb(g.bytes),
    `${(g.accuracy.mean * 100).toFixed(2)}%${g.accuracy.std === null ? '' : ` ± ${(g.accuracy.std * 100).toFixed(2)}`}`,
    ci95(g.accuracy),
    String(g.n),
    agreement(g.agreement),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
