import { createHash } from 'node:crypto';
import type { RunDispatch, RunResult } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';
import { dispatchRuns } from './dispatch-runs.ts';
import type { MovedRun } from './moved-run.ts';
import { recordTransition, stateEvents } from './run-events.ts';

/**
 * A run's result as stored. The worker always measures `sizeBreakdown`; absent, it is stored as NULL, like a
 * result recorded before the breakdown existed; so is an absent `trainPath`.
 */
export type RunResultInput = Omit<RunResult, 'sizeBreakdown' | 'trainPath'> &
  Partial<Pick<RunResult, 'sizeBreakdown' | 'trainPath'>> & {
    /** The class predicted for each test example, one byte each (results.test_predictions); absent: NULL. */
    testPredictions?: Uint8Array | null;
  };

export interface CompletedRun {
  /** false when the run was not `running` under the attempt: nothing was written. */
  completed: boolean;
  /** Children that became `queued`, for the caller to enqueue after the commit. */
  released: RunDispatch[];
}

export interface ArtifactInput {
  name: string;
  contentType: string;
  data: Uint8Array;
}

/**
 * Finishes a run in one transaction: its result (exactly one per run: the run id is the primary key, and only
 * the transition `running` → `succeeded` under `attempt` writes it — a second result would violate the key and
 * roll everything back), its artifacts, state `succeeded`, and its waiting children released. Returns whether
 * this call completed the run, and the released children for the caller to enqueue. Nothing is written when
 * the run was no longer `running` under `attempt` (cancelled meanwhile, taken over, or already completed by a
 * redelivery).
 */
export async function completeRun(
  db: SqlExecutor,
  runId: string,
  attempt: number,
  result: RunResultInput,
  artifacts: ArtifactInput[],
): Promise<CompletedRun> {
  const files = artifacts.map((a) => {
    const data = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    return {
      name: a.name,
      contentType: a.contentType,
      size: data.byteLength,
      sha256: createHash('sha256').update(data).digest('hex'),
      data: data.toString('base64'),
    };
  });
  const p = result.testPredictions;
  const predictions = p ? Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('base64') : null;
  const released = await db.transaction(async (sql) => {
    // The row lock first, in a statement of its own: a submission that makes new runs wait for this one holds
    // the row `FOR SHARE` until it commits, and only a statement that starts after that commit sees those
    // runs to release them (a statement's snapshot is taken when it starts, not when its lock is granted).
    const locked = await sql.rows<{ id: string }>`
      SELECT id::text AS id FROM runs WHERE id = ${runId}::uuid AND attempt = ${attempt} AND state = 'running'
      FOR UPDATE`;
    if (locked.length === 0) return null;
    // One statement: the run succeeds, its result and files are stored, and its waiting children are released.
    const [run] = await sql.rows<MovedRun & { children: MovedRun[] }>`
      WITH done AS (
        UPDATE runs SET state = 'succeeded', progress = 1, finished_at = now(), error = NULL, updated_at = now()
        WHERE id = ${runId}::uuid AND attempt = ${attempt} AND state = 'running'
        RETURNING id, sweep_id, attempt
      ), result AS (
        INSERT INTO results (run_id, accuracy, loss, parameters, bytes, size_breakdown, bits, backend, seconds,
                             split_digest, train_path, test_predictions)
        SELECT id, ${result.accuracy}, ${result.loss}, ${result.parameters}, ${result.bytes},
               ${result.sizeBreakdown ? JSON.stringify(result.sizeBreakdown) : null}::jsonb, ${result.bits},
               ${result.backend}, ${result.seconds}, ${result.splitDigest}, ${result.trainPath ?? null},
               decode(${predictions}, 'base64')
        FROM done
        RETURNING 1
      ), files AS (
        INSERT INTO artifacts (id, run_id, name, content_type, size, sha256, data)
        SELECT gen_random_uuid(), done.id, f.name, f."contentType", f.size, f.sha256, decode(f.data, 'base64')
        FROM done, jsonb_to_recordset(${JSON.stringify(files)}::jsonb)
          AS f(name text, "contentType" text, size int, sha256 text, data text)
        ON CONFLICT (run_id, name) DO UPDATE SET content_type = excluded.content_type, size = excluded.size,
          sha256 = excluded.sha256, data = excluded.data, created_at = now()
        RETURNING 1
      ), released AS (
        UPDATE runs SET state = 'queued', queued_at = now(), updated_at = now()
        WHERE parent_id = ${runId}::uuid AND state = 'waiting' AND EXISTS (SELECT 1 FROM done)
        RETURNING id::text AS id, sweep_id::text AS "sweepId", attempt
      )
      SELECT id::text AS id, sweep_id::text AS "sweepId", attempt,
             (SELECT coalesce(jsonb_agg(released), '[]'::jsonb) FROM released) AS children
      FROM done`;
    if (run === undefined) return null;
    const { children } = run;
    await recordTransition(sql, [
      ...stateEvents([{ id: run.id, sweepId: run.sweepId, attempt: run.attempt }], 'succeeded'),
      ...stateEvents(children, 'queued'),
    ]);
    return children;
  });
  if (released === null) return { completed: false, released: [] };
  // After the commit: ranking the children's jobs needs no lock.
  const jobs = await dispatchRuns(
    db,
    released.map((r) => r.id),
  );
  return { completed: true, released: jobs };
}
