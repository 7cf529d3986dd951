import { z } from 'zod';
import type { RunTimeEstimate } from './estimate-run-time.ts';
import { RATE_SOURCES, RateSource } from './throughput-rate.ts';

/** One run of a plan as the sweep estimate needs it. */
export interface TimedRun {
  key: string;
  /** The run it waits for inside the sweep; null for none. */
  parentKey: string | null;
  /** null: no rate applies (it counts in `unestimatedRuns`). */
  estimate: RunTimeEstimate | null;
  /** Reused from an earlier sweep: it does not train, and takes no time. */
  reused: boolean;
}

/** A sweep's estimated time, from its runs' estimates. */
export const SweepTimeEstimate = z
  .strictObject({
    totalSeconds: z
      .number()
      .min(0)
      .describe('The runs to train one after another: the time on one executor (what `distillery run` has).'),
    criticalPathSeconds: z
      .number()
      .min(0)
      .describe(
        'The longest chain of runs that wait for each other (teacher → student → its PTQ variant): the time ' +
          'with an executor for every run ready at once, the least the sweep can take.',
      ),
    runsBySource: z
      .record(RateSource, z.int().min(0))
      .describe('Runs to train whose time was estimated, by where their rate came from.'),
    unestimatedRuns: z
      .int()
      .min(0)
      .describe('Runs to train with no estimate (no rate applies): their time is missing from both totals.'),
  })
  .meta({ id: 'SweepTimeEstimate' });
export type SweepTimeEstimate = z.infer<typeof SweepTimeEstimate>;

/** The total and critical-path time of a plan's runs (parents listed before their children, as plans are). */
export function estimateSweepTime(runs: readonly TimedRun[]): SweepTimeEstimate {
  const finish = new Map<string, number>();
  const runsBySource = Object.fromEntries(RATE_SOURCES.map((s) => [s, 0])) as Record<RateSource, number>;
  let totalSeconds = 0;
  let criticalPathSeconds = 0;
  let unestimatedRuns = 0;
  for (const run of runs) {
    let seconds = 0;
    if (!run.reused) {
      if (run.estimate) {
        seconds = run.estimate.seconds;
        runsBySource[run.estimate.source] += 1;
      } else unestimatedRuns += 1;
    }
    totalSeconds += seconds;
    const end = (run.parentKey === null ? 0 : (finish.get(run.parentKey) ?? 0)) + seconds;
    finish.set(run.key, end);
    criticalPathSeconds = Math.max(criticalPathSeconds, end);
  }
  return { totalSeconds, criticalPathSeconds, runsBySource, unestimatedRuns };
}
