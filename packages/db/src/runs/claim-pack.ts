import type { SqlExecutor } from '../store/sql-executor.ts';
import { type ClaimedRun, type ClaimedRunRow, type ClaimRunOptions, claimRunInTransaction } from './claim-run.ts';
import type { MovedRun } from './moved-run.ts';
import { recordTransition, stateEvents } from './run-events.ts';

/**
 * How far ahead of now a queued run's `not_before` may be for a claim to take it into its pack, in ms. The
 * members of a pack whose worker died are queued by one reconciler pass a few milliseconds apart, each after the
 * same backoff: the first one's claim takes the others with it, so they resume as one pack again.
 */
export const PACK_DUE_SLACK_MS = 2000;

export interface ClaimPackOptions extends ClaimRunOptions {
  /** Runs in the pack at most, the job's own run included; 1 claims the run alone. */
  packMax: number;
}

export interface ClaimedPack extends ClaimedRun {
  /**
   * The other runs claimed into the job's pack, in the sweep's order: each `running` under its own current
   * attempt (the fencing token of its writes, as for a run claimed alone), marked `packed_by` the job's run.
   * Empty when the run trains alone.
   */
  members: ClaimedRunRow[];
}

/**
 * Claims a job's run as {@link claimRun} does and, in the same transaction, up to `packMax - 1` queued runs it may
 * train with: runs of its sweep with the same parent (one teacher's logits serve them all) and the same pack
 * key, due now (within {@link PACK_DUE_SLACK_MS}), not locked by another claim (`SKIP LOCKED`: two workers claiming at once split the queued runs
 * instead of waiting for each other). A run without a pack key is claimed alone.
 *
 * Each member's own queued job stays on the queue and is harmless: its claim finds the run no longer `queued`,
 * and a run `packed_by` another is never taken over by its own job (see {@link claimRun}). If the pack's worker
 * dies, each member's heartbeat goes stale on its own and the reconciler queues its next attempt.
 */
export async function claimPack(
  db: SqlExecutor,
  runId: string,
  attempt: number,
  workerId: string,
  options: ClaimPackOptions,
): Promise<ClaimedPack | null> {
  if (!(Number.isInteger(options.packMax) && options.packMax >= 1)) {
    throw new RangeError(`claimPack: packMax must be an integer ≥ 1, got ${options.packMax}`);
  }
  return db.transaction(
    async (sql) => {
      const claimed = await claimRunInTransaction(sql, runId, attempt, workerId, options);
      if (claimed === null) return null;
      const { run } = claimed;
      if (run.packKey === null || options.packMax === 1) return { ...claimed, members: [] };
      const members = await sql.rows<ClaimedRunRow & { position: number }>`
        WITH mates AS (
          SELECT id FROM runs
          WHERE sweep_id = ${run.sweepId}::uuid AND parent_id IS NOT DISTINCT FROM ${run.parentId}::uuid
            AND pack_key = ${run.packKey} AND state = 'queued' AND id <> ${run.id}::uuid
            AND (not_before IS NULL OR not_before <= now() + make_interval(secs => ${PACK_DUE_SLACK_MS / 1000}::float8))
          ORDER BY position LIMIT ${options.packMax - 1}
          FOR UPDATE SKIP LOCKED
        )
        UPDATE runs r SET state = 'running', started_at = now(), heartbeat_at = now(), worker_id = ${workerId},
                          progress = 0, error = NULL, resumed_from_epoch = NULL, not_before = NULL,
                          updated_at = now(), batch_progress = NULL, batch_progress_at = NULL,
                          packed_by = ${run.id}::uuid
        FROM mates WHERE r.id = mates.id
        RETURNING r.id::text AS id, r.sweep_id::text AS "sweepId", r.team_id::text AS "teamId", r.kind, r.label,
                  r.attempt, r.failures, r.parent_id::text AS "parentId", r.config, r.worker_id AS "workerId",
                  r.pack_key AS "packKey", r.position`;
      members.sort((a, b) => a.position - b.position);
      const moved: MovedRun[] = members.map((m) => ({ id: m.id, sweepId: m.sweepId, attempt: m.attempt }));
      await recordTransition(sql, stateEvents(moved, 'running'));
      return { ...claimed, members: members.map(({ position: _, ...m }) => m) };
    },
    { durable: false },
  );
}
