import { z } from 'zod';
import type { RunTimeEstimate } from './estimate-run-time.ts';
import { RunOverhead } from './measure-run-overhead.ts';
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
  /**
   * The pack it trains in (an id its members share; their parent is one run): a pack trains its members in one
   * loop, no faster per step than alone, so it takes their times added up and every member finishes at its end.
   * Absent: it trains alone.
   */
  pack?: string;
}

/** A sweep's estimated time, from its runs' estimates. */
export const SweepTimeEstimate = z
  .strictObject({
    totalSeconds: z
      .number()
      .min(0)
      .describe(
        'The runs to train one after another: the time on one executor with one thread, ' +
          '`trainingSeconds` + `overheadSeconds`.',
      ),
    trainingSeconds: z
      .number()
      .min(0)
      .describe("The runs' own estimates summed: their training, evaluation and saving (the throughput rates)."),
    overheadSeconds: z
      .number()
      .min(0)
      .describe(
        'The per-run work around those: `overhead.perRunSeconds` for each run trained alone and ' +
          '`overhead.perPackSeconds` for each pack (0 without an overhead measurement).',
      ),
    overhead: RunOverhead.nullable().describe('The per-run work the estimate added, and where it was measured.'),
    criticalPathSeconds: z
      .number()
      .min(0)
      .describe(
        'The longest chain of runs that wait for each other (teacher → student → its PTQ variant), their per-run ' +
          'work included: the time with an executor for every run ready at once, the least the sweep can take.',
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

/**
 * The total and critical-path time of a plan's runs (parents listed before their children, as plans are); a
 * pack's members all finish when the pack does. With `overhead`, each task to train (a run alone, or a pack)
 * takes its per-run work on top of its runs' estimates (a run without an estimate too: it is claimed and
 * settled all the same); reused runs take none.
 */
export function estimateSweepTime(runs: readonly TimedRun[], overhead: RunOverhead | null = null): SweepTimeEstimate {
  const runsBySource = Object.fromEntries(RATE_SOURCES.map((s) => [s, 0])) as Record<RateSource, number>;
  let trainingSeconds = 0;
  let unestimatedRuns = 0;
  for (const run of runs) {
    if (run.reused) continue;
    if (run.estimate) runsBySource[run.estimate.source] += 1;
    else unestimatedRuns += 1;
    trainingSeconds += secondsOf(run);
  }
  const tasks = tasksOf(runs, overhead);
  const overheadSeconds = tasks.reduce((s, t) => s + t.overhead, 0);
  const taskOf = new Map(tasks.flatMap((t) => t.keys.map((k) => [k, t] as const)));
  const finish = new Map<Task, number>();
  let criticalPathSeconds = 0;
  for (const task of tasks) {
    const parent = task.parentKey === null ? undefined : taskOf.get(task.parentKey);
    const end = (parent ? (finish.get(parent) ?? 0) : 0) + task.seconds;
    finish.set(task, end);
    criticalPathSeconds = Math.max(criticalPathSeconds, end);
  }
  return {
    totalSeconds: trainingSeconds + overheadSeconds,
    trainingSeconds,
    overheadSeconds,
    overhead,
    criticalPathSeconds,
    runsBySource,
    unestimatedRuns,
  };
}

/**
 * The estimated time of a plan's runs with `slots` of them training at once (an executor's training threads, or
 * workers): each run (or pack) starts when its parent has finished and a slot is free, the ready ones taken in
 * plan order, as the queue hands them out. One slot gives `totalSeconds`; as many slots as runs,
 * `criticalPathSeconds`. A run without an estimate counts as no time; a reused one takes none. Each task takes
 * `overhead`'s per-run work on top (as estimateSweepTime counts it). Quadratic in the runs (a plan has at most a
 * few thousand).
 */
export function scheduledSweepSeconds(
  runs: readonly TimedRun[],
  slots: number,
  overhead: RunOverhead | null = null,
): number {
  if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be an integer ≥ 1, got ${slots}`);
  const tasks = tasksOf(runs, overhead);
  const taskOf = new Map(tasks.flatMap((t) => t.keys.map((k) => [k, t] as const)));
  const finish = new Map<Task, number>();
  const free: number[] = Array.from({ length: slots }, () => 0);
  const pending = [...tasks];
  // Parents come first in a plan: a pending task's parent is scheduled (its end known) or still pending.
  const readyAt = (t: Task) => {
    const parent = t.parentKey === null ? undefined : taskOf.get(t.parentKey);
    return parent ? (finish.get(parent) ?? Number.POSITIVE_INFINITY) : 0;
  };
  let makespan = 0;
  while (pending.length > 0) {
    const now = Math.min(...free);
    const slot = free.indexOf(now);
    let index = pending.findIndex((t) => readyAt(t) <= now);
    if (index < 0) {
      // Nothing is ready when the slot frees: it waits for the task that is ready soonest.
      let soonest = Number.POSITIVE_INFINITY;
      pending.forEach((t, i) => {
        const at = readyAt(t);
        if (at < soonest) [soonest, index] = [at, i];
      });
    }
    const [task] = pending.splice(index, 1) as [Task];
    const end = Math.max(now, readyAt(task)) + task.seconds;
    finish.set(task, end);
    free[slot] = end;
    makespan = Math.max(makespan, end);
  }
  return makespan;
}

/** What trains as one: a run alone, or a pack's members (at its first member's place in the plan). */
interface Task {
  keys: string[];
  parentKey: string | null;
  /** Its runs' estimates and its per-run work. */
  seconds: number;
  /** Its per-run work (0 for reused runs, which do not train). */
  overhead: number;
}

function tasksOf(runs: readonly TimedRun[], overhead: RunOverhead | null): Task[] {
  const tasks: Task[] = [];
  const packs = new Map<string, Task>();
  for (const run of runs) {
    const packed = run.pack === undefined ? undefined : packs.get(run.pack);
    if (packed) {
      packed.keys.push(run.key);
      packed.seconds += secondsOf(run);
      continue;
    }
    // A planned pack always has members to train (reused runs are never packed); of one member, a run alone.
    const work =
      run.reused || !overhead ? 0 : run.pack === undefined ? overhead.perRunSeconds : overhead.perPackSeconds;
    const task = { keys: [run.key], parentKey: run.parentKey, seconds: secondsOf(run) + work, overhead: work };
    if (run.pack !== undefined) packs.set(run.pack, task);
    tasks.push(task);
  }
  return tasks;
}

function secondsOf(run: TimedRun): number {
  return run.reused ? 0 : (run.estimate?.seconds ?? 0);
}
