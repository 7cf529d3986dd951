import type { EpochMetrics, RunState } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';

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

/** An `epoch` event: the epoch's metrics and the attempt that trained it. */
export type RunEpochEventData = EpochMetrics & { attempt: number };

export type RunEventInput =
  | { sweepId: string; runId: string; type: 'state'; data: RunStateEventData }
  | { sweepId: string; runId: string; type: 'epoch'; data: RunEpochEventData };

/**
 * The last step of every run transition, inside its transaction, in one statement: numbers the events per
 * sweep and stores them, keeps each sweep's run counters (open, failed, cancelled) and derives its state from
 * them (`running` while any run is unfinished; then `failed` if any failed, `cancelled` if any was cancelled,
 * else `succeeded`), and notifies listeners (delivered at commit).
 *
 * The events must describe the transition exactly: one `state` event per run that changed state, and a run
 * becomes finished (succeeded, failed, cancelled) only once — the counters are derived from them.
 *
 * An event of a run in its own sweep is also recorded in every sweep that reuses the run (`reused_runs`), so
 * those sweeps show its progress, count it, and finish when it does. An event addressed to a sweep that is not
 * the run's own (a reusing sweep letting go of the run) is recorded there only.
 *
 * Why this is race-free without reading the runs: it is an UPDATE of the sweep rows, so concurrent transitions
 * of one sweep queue on its row lock, and each re-evaluates its counters on the row the previous one committed
 * (READ COMMITTED re-checks an updated row): two runs finishing at once cannot both leave the sweep `running`.
 * The lock is held until commit, so a sweep's events also commit in `seq` order, and a reader resuming after
 * `Last-Event-ID` cannot skip an event that committed late.
 */
export async function recordTransition(db: SqlExecutor, events: readonly RunEventInput[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((e, ord) => ({
    sweepId: e.sweepId,
    runId: e.runId,
    type: e.type,
    data: e.data,
    ord,
    state: e.type === 'state' ? e.data.state : null,
  }));
  await db.run`
    WITH given AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS e("sweepId" uuid, "runId" uuid, type text, data jsonb, ord int, state text)
    ),
    e AS (
      SELECT * FROM given
      UNION ALL
      SELECT l.sweep_id, g."runId", g.type, g.data, g.ord, g.state
      FROM given g
      JOIN runs r ON r.id = g."runId" AND r.sweep_id = g."sweepId"
      JOIN reused_runs l ON l.run_id = g."runId"
    ),
    deltas AS (
      SELECT "sweepId" AS id, count(*) AS n,
             count(*) FILTER (WHERE state IN ('succeeded', 'failed', 'cancelled')) AS closed,
             count(*) FILTER (WHERE state = 'failed') AS failed,
             count(*) FILTER (WHERE state = 'cancelled') AS cancelled
      FROM e GROUP BY 1
    ),
    numbered AS (
      UPDATE sweeps s SET
        event_seq = s.event_seq + d.n,
        open_runs = s.open_runs - d.closed,
        failed_runs = s.failed_runs + d.failed,
        cancelled_runs = s.cancelled_runs + d.cancelled,
        state = CASE WHEN s.open_runs - d.closed > 0 THEN 'running'
                     WHEN s.failed_runs + d.failed > 0 THEN 'failed'
                     WHEN s.cancelled_runs + d.cancelled > 0 THEN 'cancelled'
                     ELSE 'succeeded' END,
        finished_at = CASE WHEN s.open_runs - d.closed > 0 THEN NULL
                           WHEN d.closed > 0 THEN now() ELSE s.finished_at END,
        updated_at = CASE WHEN d.closed > 0 THEN now() ELSE s.updated_at END
      FROM deltas d
      WHERE s.id = d.id
      RETURNING s.id, s.event_seq AS last, d.n
    ),
    inserted AS (
      INSERT INTO run_events (sweep_id, seq, run_id, type, data)
      SELECT e."sweepId", n.last - n.n + row_number() OVER (PARTITION BY e."sweepId" ORDER BY e.ord),
             e."runId", e.type, e.data
      FROM e JOIN numbered n ON n.id = e."sweepId"
      RETURNING 1
    )
    SELECT pg_notify(${RUN_EVENTS_CHANNEL}, id::text) FROM numbered`;
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
