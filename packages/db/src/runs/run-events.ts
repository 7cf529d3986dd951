import type { RunState } from '@distillery/spec';
import type { DbExecutor } from './db-executor.ts';
import { refreshSweepState } from './refresh-sweep-state.ts';

/**
 * Glossary.
 * - run event: one row of `run_events`, the append-only history that SSE streams: a run's state change
 *   (`state`) or one finished epoch (`epoch`).
 * - seq: the event's number within its sweep, 1, 2, 3…; it is the SSE `id`, so `Last-Event-ID` resumes a stream.
 */
export const RUN_EVENT_TYPES = ['state', 'epoch'] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];

/** PostgreSQL NOTIFY channel: the payload is the sweep id whose events just committed. */
export const RUN_EVENTS_CHANNEL = 'distillery_run_events';

export interface RunStateEventData {
  state: RunState;
  attempt: number;
  /** Why: a failure's message, a cancellation's or skip's reason, a retry's cause. */
  reason?: string | undefined;
  /** On `running`: the epoch a resumed attempt continues after. */
  resumedFromEpoch?: number | undefined;
  /** On `queued` after a failure: when the retry may start (ISO 8601). */
  notBefore?: string | undefined;
}

export interface RunEpochEventData {
  attempt: number;
  epoch: number;
  epochs: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  learningRate: number;
  seconds: number;
}

export type RunEventInput =
  | { sweepId: string; runId: string; type: 'state'; data: RunStateEventData }
  | { sweepId: string; runId: string; type: 'epoch'; data: RunEpochEventData };

/**
 * The last step of every run transition, inside its transaction: refreshes the state of every sweep a state
 * event touches, numbers the events per sweep and stores them, and notifies listeners (delivered at commit).
 *
 * Why sweep rows are locked here, last and in id order: numbering increments `sweeps.event_seq`, which holds the
 * sweep's row lock until commit, so a sweep's events commit in `seq` order and a reader resuming after
 * `Last-Event-ID` cannot skip an event that committed late. Taking those locks last, sorted, in every
 * transaction keeps concurrent transitions from deadlocking on them.
 */
export async function recordTransition(db: DbExecutor, events: readonly RunEventInput[]): Promise<void> {
  if (events.length === 0) return;
  const bySweep = new Map<string, RunEventInput[]>();
  for (const e of events) {
    const list = bySweep.get(e.sweepId);
    if (list) list.push(e);
    else bySweep.set(e.sweepId, [e]);
  }
  const rows: { sweepId: string; seq: number; runId: string; type: RunEventType; data: unknown }[] = [];
  for (const sweepId of [...bySweep.keys()].sort()) {
    const list = bySweep.get(sweepId) as RunEventInput[];
    if (list.some((e) => e.type === 'state')) await refreshSweepState(db, sweepId);
    const [row] = await db.$queryRaw<{ last: bigint }[]>`
      UPDATE sweeps SET event_seq = event_seq + ${list.length} WHERE id = ${sweepId}::uuid RETURNING event_seq AS last`;
    if (row === undefined) continue;
    const first = Number(row.last) - list.length + 1;
    list.forEach((e, i) => {
      rows.push({ sweepId, seq: first + i, runId: e.runId, type: e.type, data: e.data });
    });
  }
  if (rows.length === 0) return;
  await db.$executeRaw`
    INSERT INTO run_events (sweep_id, seq, run_id, type, data)
    SELECT r."sweepId", r.seq, r."runId", r.type, r.data
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r("sweepId" uuid, seq bigint, "runId" uuid, type text, data jsonb)`;
  await db.$executeRaw`
    SELECT pg_notify(${RUN_EVENTS_CHANNEL}, s) FROM unnest(${[...bySweep.keys()]}::text[]) AS s`;
}

/** State events for rows a transition moved, all to the same state with the same reason. */
export function stateEvents(
  rows: readonly { id: string; sweepId: string; attempt: number }[],
  state: RunState,
  reason?: string,
): RunEventInput[] {
  return rows.map((r) => ({
    sweepId: r.sweepId,
    runId: r.id,
    type: 'state',
    data: { state, attempt: r.attempt, ...(reason !== undefined ? { reason } : {}) },
  }));
}
