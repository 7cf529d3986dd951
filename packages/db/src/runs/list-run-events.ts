import type { DbExecutor } from './db-executor.ts';
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
export async function listRunEvents(db: DbExecutor, q: ListRunEventsQuery): Promise<StoredRunEvent[]> {
  const rows = await db.runEvent.findMany({
    where: { sweepId: q.sweepId, seq: { gt: BigInt(q.after ?? 0) }, ...(q.runId ? { runId: q.runId } : {}) },
    orderBy: { seq: 'asc' },
    take: q.limit ?? 500,
  });
  return rows.map((r) => ({
    seq: Number(r.seq),
    sweepId: r.sweepId,
    runId: r.runId,
    type: r.type as RunEventType,
    data: r.data as Record<string, unknown>,
    createdAt: r.createdAt,
  }));
}
