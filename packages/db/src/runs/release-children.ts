import type { DbExecutor } from './db-executor.ts';

export interface ReleasedRun {
  runId: string;
  attempt: number;
}

/** Moves the waiting children of a succeeded run to `queued`; returns them, for the caller to enqueue. */
export async function releaseChildren(db: DbExecutor, parentId: string): Promise<ReleasedRun[]> {
  const rows = await db.$queryRaw<{ id: string; attempt: number }[]>`
    UPDATE runs SET state = 'queued', queued_at = now(), updated_at = now()
    WHERE parent_id = ${parentId}::uuid AND state = 'waiting'
    RETURNING id::text AS id, attempt`;
  return rows.map((r) => ({ runId: r.id, attempt: r.attempt }));
}
