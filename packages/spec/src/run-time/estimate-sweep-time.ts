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

/**
 * The estimated time of a plan's runs with `slots` of them training at once (an executor's training threads, or
 * workers): each run starts when its parent has finished and a slot is free, the ready runs taken in plan order,
 * as the queue hands them out. One slot gives `totalSeconds`; as many slots as runs, `criticalPathSeconds`. A run
 * without an estimate counts as no time; a reused one takes none. Quadratic in the runs (a plan has at most a few
 * thousand).
 */
export function scheduledSweepSeconds(runs: readonly TimedRun[], slots: number): number {
  if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be an integer ≥ 1, got ${slots}`);
  const keys = new Set(runs.map((r) => r.key));
  const finish = new Map<string, number>();
  const free: number[] = Array.from({ length: slots }, () => 0);
  const pending = [...runs];
  // Parents come first in a plan: a pending run's parent is scheduled (its end known) or still pending.
  const readyAt = (r: TimedRun) =>
    r.parentKey === null || !keys.has(r.parentKey) ? 0 : (finish.get(r.parentKey) ?? Number.POSITIVE_INFINITY);
  let makespan = 0;
  while (pending.length > 0) {
    const now = Math.min(...free);
    const slot = free.indexOf(now);
    let index = pending.findIndex((r) => readyAt(r) <= now);
    if (index < 0) {
      // Nothing is ready when the slot frees: it waits for the run that is ready soonest.
      let soonest = Number.POSITIVE_INFINITY;
      pending.forEach((r, i) => {
        const t = readyAt(r);
        if (t < soonest) [soonest, index] = [t, i];
      });
    }
    const [run] = pending.splice(index, 1) as [TimedRun];
    const end = Math.max(now, readyAt(run)) + (run.reused ? 0 : (run.estimate?.seconds ?? 0));
    finish.set(run.key, end);
    free[slot] = end;
    makespan = Math.max(makespan, end);
  }
  return makespan;
}
