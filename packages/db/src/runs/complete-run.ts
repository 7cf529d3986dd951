import { createHash } from 'node:crypto';
import type { PrismaClient } from '../database-client.ts';
import { withTransaction } from '../transient/with-transaction.ts';
import { dispatchRuns, type ReleasedRun } from './dispatch-runs.ts';
import type { MovedRun } from './moved-run.ts';
import { releaseChildren } from './release-children.ts';
import { recordTransition, stateEvents } from './run-events.ts';

export interface RunResultInput {
  accuracy: number;
  loss: number;
  parameters: number;
  bytes: number;
  bits: number;
  backend: string;
  seconds: number;
}

export interface CompletedRun {
  /** false when the run was not `running` under the attempt: nothing was written. */
  completed: boolean;
  /** Children that became `queued`, for the caller to enqueue after the commit. */
  released: ReleasedRun[];
}

export interface ArtifactInput {
  name: string;
  contentType: string;
  data: Uint8Array;
}

/**
 * Finishes a run in one transaction: its result (exactly one per run: the run id is the key, and only the
 * transition `running` → `succeeded` under `attempt` writes it), its artifacts, state `succeeded`, and its
 * waiting children released. Returns the released children for the caller to enqueue after the commit; an
 * empty list when the run was no longer `running` under `attempt` (cancelled meanwhile, taken over, or already
 * completed by a redelivery).
 */
export async function completeRun(
  db: PrismaClient,
  runId: string,
  attempt: number,
  result: RunResultInput,
  artifacts: ArtifactInput[],
): Promise<CompletedRun> {
  return withTransaction(db, async (tx) => {
    const [run] = await tx.$queryRaw<MovedRun[]>`
      UPDATE runs SET state = 'succeeded', progress = 1, finished_at = now(), error = NULL, updated_at = now()
      WHERE id = ${runId}::uuid AND attempt = ${attempt} AND state = 'running'
      RETURNING id::text AS id, sweep_id::text AS "sweepId", attempt`;
    if (run === undefined) return { completed: false, released: [] };
    // A plain insert: a second result for the run would violate the primary key and roll everything back.
    await tx.result.create({ data: { runId, ...result } });
    for (const a of artifacts) {
      const data = new Uint8Array(a.data);
      const row = {
        contentType: a.contentType,
        size: a.data.byteLength,
        sha256: createHash('sha256').update(data).digest('hex'),
        data,
      };
      await tx.artifact.upsert({
        where: { runId_name: { runId, name: a.name } },
        create: { runId, name: a.name, ...row },
        update: row,
      });
    }
    const released = await releaseChildren(tx, runId);
    await recordTransition(tx, [...stateEvents([run], 'succeeded'), ...stateEvents(released, 'queued')]);
    const jobs = await dispatchRuns(
      tx,
      released.map((r) => r.id),
    );
    return { completed: true, released: jobs };
  });
}
