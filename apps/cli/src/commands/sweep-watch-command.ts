import type { RunList, RunSummary, SweepDetail, SweepResults } from '@distillery/api';
import type { ApiClient } from '../api-client.ts';
import { withClient } from '../client/connect.ts';
import { explainWatchInterrupt } from '../client/explain-watch-interrupt.ts';
import { resolveSweepId } from '../client/resolve-sweep.ts';
import { formatTable, progressBar } from '../client/table.ts';
import { watchPause } from '../client/watch-pause.ts';
import { formatResultsTable } from '../format.ts';

/** How often the sweep is read, at most (see watchPause). @defaultValue 1000 ms (env DISTILLERY_WATCH_INTERVAL_MS) */
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
    const readStarted = performance.now();
    sweep = await api.request<SweepDetail>('GET', `/v1/sweeps/${encodeURIComponent(id)}`);
    const { items } = await api.request<RunList>('GET', `/v1/sweeps/${encodeURIComponent(id)}/runs`);
    const readMs = performance.now() - readStarted;
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
    await new Promise((resolve) => setTimeout(resolve, watchPause(POLL_MS, readMs)));
  }
  const results = await api.request<SweepResults>('GET', `/v1/sweeps/${encodeURIComponent(id)}/results`);
  console.log(`\nsweep ${sweep.state}\n`);
  if (results.groups.length > 0) console.log(formatResultsTable(results));
  if (sweep.state !== 'succeeded') process.exitCode = 1;
}

/**
 * `sweep watch REF` (an id, a unique id prefix or a name). On the embedded store with no `serve` running nothing
 * executes the runs, so a running sweep is shown once with what carries it on, instead of followed forever.
 */
export async function sweepWatchCommand(ref: string): Promise<void> {
  await withClient(async (api, connection) => {
    const id = await resolveSweepId(api, ref);
    if (connection.kind === 'local') {
      const sweep = await api.request<SweepDetail>('GET', `/v1/sweeps/${id}`);
      if (sweep.state === 'running') {
        const { items } = await api.request<RunList>('GET', `/v1/sweeps/${id}/runs`);
        console.log(frame(sweep, items));
        console.error(
          "\nnothing executes this store's runs now: `distillery serve` (or `distillery run FILE` again) carries " +
            'them on; watch again then',
        );
        process.exitCode = 1;
        return;
      }
    }
    const stop = explainWatchInterrupt(id);
    try {
      await watchSweep(api, id);
    } finally {
      stop();
    }
  });
}
