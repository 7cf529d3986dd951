import type { RunList, SweepDetail } from '@distillery/api';
import { watchPause } from '../client/watch-pause.ts';
import { formatRunLine } from '../format.ts';

/** Anything that answers API requests: the HTTP ApiClient or the in-process InjectClient. */
export interface SweepApi {
  request<T>(method: 'GET' | 'POST', path: string, body?: { text: string; contentType: string }): Promise<T>;
}

export interface FollowSweepOptions {
  /** Pause between two reads of the sweep, in ms, lengthened after a slow read (see watchPause). @defaultValue 500 */
  pollMs?: number;
  /** Where the lines go. @defaultValue console.log */
  print?: (line: string) => void;
}

/**
 * Prints a line each time one of the sweep's runs changes (state, progress, result), prefixed with the seconds
 * since `startedAt`, until the sweep is no longer running; its final state.
 */
export async function followSweep(
  api: SweepApi,
  sweepId: string,
  startedAt: number,
  options: FollowSweepOptions = {},
): Promise<SweepDetail> {
  const print = options.print ?? console.log;
  const seen = new Map<string, string>();
  for (;;) {
    const readStarted = performance.now();
    const sweep = await api.request<SweepDetail>('GET', `/v1/sweeps/${sweepId}`);
    const { items } = await api.request<RunList>('GET', `/v1/sweeps/${sweepId}/runs`);
    const readMs = performance.now() - readStarted;
    for (const run of items) {
      const line = formatRunLine(run);
      if (seen.get(run.id) === line) continue;
      seen.set(run.id, line);
      print(`${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)}s  ${line}`);
    }
    if (sweep.state !== 'running') return sweep;
    await new Promise((resolve) => setTimeout(resolve, watchPause(options.pollMs ?? 500, readMs)));
  }
}
