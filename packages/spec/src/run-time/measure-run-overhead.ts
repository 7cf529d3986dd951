import { z } from 'zod';

/**
 * Where a run's per-run work was measured: by this store's own executions, or by the calibration shipped with
 * Distillery (bench/calibrate-throughput.ts, which executes the example sweeps through `distillery run`).
 */
export const OVERHEAD_SOURCES = ['measured', 'calibration'] as const;
export const OverheadSource = z.enum(OVERHEAD_SOURCES);
export type OverheadSource = z.infer<typeof OverheadSource>;

/**
 * The work around each training a throughput rate leaves out, per task an executor's thread takes on (a run
 * trained alone, or a pack): claiming it, handing it to a training thread and back, storing its result, releasing
 * its children, the wait for the next job; and for a pack, the time its members finish apart (a pack ends with
 * its last member, its rate counts each member's mean share). Measured, never assumed: see measureRunOverhead.
 */
export const RunOverhead = z
  .strictObject({
    perRunSeconds: z.number().min(0).describe('Seconds of per-run work of each run trained alone.'),
    perPackSeconds: z
      .number()
      .min(0)
      .describe("Seconds of per-run work of each pack, its members' together (they share the claim and loop)."),
    runs: z.int().min(0).describe('Runs trained alone the per-run seconds were measured from.'),
    packs: z.int().min(0).describe('Packs the per-pack seconds were measured from.'),
    source: OverheadSource.describe('measured: by this store; calibration: shipped with Distillery.'),
  })
  .meta({ id: 'RunOverhead' });
export type RunOverhead = z.infer<typeof RunOverhead>;

/** When and where one succeeded run executed, as the store records it (times in seconds since the epoch). */
export interface RunSpan {
  runId: string;
  /** The run whose job claimed it: itself, or the run that packed it (`packed_by`). */
  task: string;
  /** The run it waited for; null for none. */
  parentId: string | null;
  /** The executor that ran it (`worker_id`): its threads are the slots its tasks took turns on. */
  workerId: string;
  /** When it was stored: it could not start before. */
  createdAt: number;
  /** Its (last) attempt's claim. */
  startedAt: number;
  /** Its result stored. */
  finishedAt: number;
  /** The result's seconds: the execution from the claim to the result, its pack's when packed. */
  seconds: number;
  /** Runs of its pack, itself included (1 alone). */
  packSize: number;
}

/**
 * The per-run work of a store's executions. Each executor's tasks (a run alone, or a pack: its members claimed
 * together) are laid on its threads as they ran: in order of start, each on the thread that came free last
 * before it started (the fewest threads that explain the record). A task holds its thread from the moment it
 * could have started there — the thread free, its parent finished, itself stored — to its last member's result.
 * What that holds beyond the throughput rates' share of it (each member's result seconds ÷ its pack size, as
 * measureThroughput counts them) is the task's per-run work; the mean over tasks trained alone is
 * `perRunSeconds`, over packs `perPackSeconds` (a record with only one kind gives its mean to both). A thread's first task has no known free moment and counts from its
 * claim. Null when no task is complete in the record (a task counts only with every member present).
 */
export function measureRunOverhead(spans: readonly RunSpan[]): Omit<RunOverhead, 'source'> | null {
  const finishOf = new Map(spans.map((s) => [s.runId, s.finishedAt]));
  const tasks = new Map<string, { worker: string; members: RunSpan[] }>();
  for (const span of spans) {
    const task = tasks.get(span.task) ?? { worker: span.workerId, members: [] };
    task.members.push(span);
    tasks.set(span.task, task);
  }
  const byWorker = new Map<string, Task[]>();
  for (const { worker, members } of tasks.values()) {
    const size = members[0]?.packSize ?? 1;
    if (members.length !== size) continue; // a member outside the record: its pack's time is unknown
    const start = Math.min(...members.map((m) => m.startedAt));
    const ready = Math.max(
      ...members.map((m) => Math.max(m.createdAt, m.parentId === null ? 0 : (finishOf.get(m.parentId) ?? 0))),
    );
    const task: Task = {
      start,
      end: Math.max(...members.map((m) => m.finishedAt)),
      ready: Math.min(ready, start),
      share: members.reduce((s, m) => s + m.seconds / size, 0),
      packed: size > 1,
    };
    byWorker.set(worker, [...(byWorker.get(worker) ?? []), task]);
  }
  const alone: number[] = [];
  const packs: number[] = [];
  for (const list of byWorker.values()) {
    list.sort((a, b) => a.start - b.start);
    const threads: number[] = []; // when each thread came free
    for (const task of list) {
      let slot = -1;
      threads.forEach((free, i) => {
        if (free <= task.start && (slot < 0 || free > (threads[slot] as number))) slot = i;
      });
      const from = slot < 0 ? task.start : Math.max(threads[slot] as number, task.ready);
      if (slot < 0) threads.push(task.end);
      else threads[slot] = task.end;
      (task.packed ? packs : alone).push(Math.max(0, task.end - from - task.share));
    }
  }
  if (alone.length === 0 && packs.length === 0) return null;
  // A record without packs (or without runs alone) lends the other's mean: a pack does at least one run's work.
  const perRunSeconds = mean(alone.length > 0 ? alone : packs);
  const perPackSeconds = mean(packs.length > 0 ? packs : alone);
  return { perRunSeconds, perPackSeconds, runs: alone.length, packs: packs.length };
}

interface Task {
  start: number;
  end: number;
  /** When it could have started: its parent finished and itself stored (never after its start). */
  ready: number;
  /** Its members' result seconds ÷ pack size, summed: what the throughput rates count of it. */
  share: number;
  packed: boolean;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}
