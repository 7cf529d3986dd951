import type { RunList, RunSummary, SweepDetail, SweepResults } from '@distillery/api';
import type { ApiClient } from '../api-client.ts';
import { connect } from '../client/connect.ts';
import { explainWatchInterrupt } from '../client/explain-watch-interrupt.ts';
import { formatTable, progressBar } from '../client/table.ts';
import { formatResultsTable } from '../format.ts';

/** How often the sweep is read. @defaultValue 1000 ms (env DISTILLERY_WATCH_INTERVAL_MS) */
const POLL_MS = Number(process.env.DISTILLERY_WATCH_INTERVAL_MS ?? 1000);

function runLine(run: RunSummary): string[] {
  const progress = run.state === 'succeeded' ? 1 : run.progress;
  const reused = run.reusedFrom ? `reused from sweep ${run.reusedFrom.sweepId} (run ${run.reusedFrom.runId})` : '';
  const note = run.error ?? run.skippedReason ?? (run.attempt > 1 ? `attempt ${run.attempt}` : reused);
  return [run.key, run.label, run.state, progressBar(progress), note];
}

function frame(sweep: SweepDetail, runs: RunSummary[]): string {
  const c = sweep.counts;
  const head =
    `${sweep.name} (${sweep.id}) ${sweep.state}  ${progressBar(sweep.totals.progress, 30)}\n` +
    `${c.succeeded} succeeded, ${c.running} running, ${c.queued} queued, ${c.waiting} waiting, ` +
    `${c.failed} failed, ${c.cancelled} cancelled`;
  return `${head}\n\n${formatTable(['run', 'configuration', 'state', 'progress', 'note'], runs.map(runLine))}`;
}

/**
 * Follows a sweep until it finishes: on a terminal, one live progress bar per run, redrawn in place; otherwise
 * (piped, CI) a line whenever a run changes. Ends with the results table; the exit code is 0 only when the sweep
 * succeeded.
 */
export async function watchSweep(api: ApiClient, id: string): Promise<void> {
  const tty = process.stdout.isTTY === true;
  let drawnLines = 0;
  const seen = new Map<string, string>();
  let sweep: SweepDetail;
  for (;;) {
    sweep = await api.request<SweepDetail>('GET', `/v1/sweeps/${encodeURIComponent(id)}`);
    const { items } = await api.request<RunList>('GET', `/v1/sweeps/${encodeURIComponent(id)}/runs`);
    if (tty) {
      const text = frame(sweep, items);
      process.stdout.write(`${drawnLines > 0 ? `\x1b[${drawnLines}F\x1b[J` : ''}${text}\n`);
      drawnLines = text.split('\n').length;
    } else {
      for (const run of items) {
        const line = runLine(run).join('  ');
        if (seen.get(run.id) !== line) {
          seen.set(run.id, line);
          console.log(line);
        }
      }
    }
    if (sweep.state !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const results = await api.request<SweepResults>('GET', `/v1/sweeps/${encodeURIComponent(id)}/results`);
  console.log(`\nsweep ${sweep.state}\n`);
  if (results.groups.length > 0) console.log(formatResultsTable(results));
  if (sweep.state !== 'succeeded') process.exitCode = 1;
}

export async function sweepWatchCommand(id: string): Promise<void> {
  const stop = explainWatchInterrupt(id);
  try {
    await watchSweep(connect(), id);
  } finally {
    stop();
  }
}
