import type { SqlExecutor } from '../store/sql-executor.ts';
import type { RunEventType } from './run-events.ts';

export interface StoredRunEvent {
  /** The SSE id: the event's number within its sweep. */
  seq: number;
  sweepId: string;
  runId: string;
  type: RunEventType;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface ListRunEventsQuery {
  sweepId: string;
  /** Only this run's events. */
  runId?: string;
  /** Events after this seq (exclusive). @defaultValue 0 */
  after?: number;
  /** @defaultValue 500 */
  limit?: number;
}

/** A sweep's (or one run's) events after a seq, in order. */
export async function listRunEvents(db: SqlExecutor, q: ListRunEventsQuery): Promise<StoredRunEvent[]> {
  const rows = await db.rows<Omit<StoredRunEvent, 'seq'> & { seq: string }>`
    SELECT seq, sweep_id::text AS "sweepId", run_id::text AS "runId", type, data, created_at AS "createdAt"
    FROM run_events
    WHERE sweep_id = ${q.sweepId}::uuid AND seq > ${q.after ?? 0}
      AND (${q.runId ?? null}::uuid IS NULL OR run_id = ${q.runId ?? null}::uuid)
    ORDER BY seq LIMIT ${q.limit ?? 500}`;
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}
