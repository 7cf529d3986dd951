import { createHash } from 'node:crypto';
import type { PrismaClient } from '../database-client.ts';
import { cancelDescendants } from './cancel-descendants.ts';
import { refreshSweepState } from './refresh-sweep-state.ts';
import { type ReleasedRun, releaseChildren } from './release-children.ts';

export interface RunResultInput {
  accuracy: number;
  loss: number;
  parameters: number;
  bytes: number;
  bits: number;
  backend: string;
  seconds: number;
}

export interface ArtifactInput {
  name: string;
  contentType: string;
  data: Uint8Array;
}

/**
 * Finishes a run in one transaction: its result (exactly one per run: the run id is the key, a redelivered
 * completion writes nothing), its artifacts, state `succeeded`, and its waiting children released.
 * Returns the released children for the caller to enqueue after the commit; an empty list when the run was no
 * longer `running` under `attempt` (cancelled meanwhile, or already completed by a redelivery).
 */
export async function completeRun(
  db: PrismaClient,
  runId: string,
  attempt: number,
  result: RunResultInput,
  artifacts: ArtifactInput[],
): Promise<ReleasedRun[]> {
  return db.$transaction(async (tx) => {
    const finished = await tx.run.updateMany({
      where: { id: runId, attempt, state: 'running' },
      data: { state: 'succeeded', progress: 1, finishedAt: new Date(), error: null },
    });
    if (finished.count === 0) return [];
    await tx.result.createMany({ data: [{ runId, ...result }], skipDuplicates: true });
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
    const run = await tx.run.findUniqueOrThrow({ where: { id: runId }, select: { sweepId: true } });
    const sweeps = new Set([run.sweepId]);
    if (released.length > 0) {
      const children = await tx.run.findMany({
        where: { id: { in: released.map((r) => r.runId) } },
        select: { sweepId: true },
      });
      for (const c of children) sweeps.add(c.sweepId);
    }
    for (const sweepId of sweeps) await refreshSweepState(tx, sweepId);
    return released;
  });
}

/**
 * Marks a run failed with a message for the researcher, cancels everything downstream of it (recording
 * why), and refreshes the sweeps involved. No-op when the run is no longer `running` under `attempt`.
 */
export async function failRun(db: PrismaClient, runId: string, attempt: number, message: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const failed = await tx.run.updateMany({
      where: { id: runId, attempt, state: 'running' },
      data: { state: 'failed', finishedAt: new Date(), error: message.slice(0, 4000) },
    });
    if (failed.count === 0) return false;
    const run = await tx.run.findUniqueOrThrow({ where: { id: runId }, select: { sweepId: true, key: true } });
    const sweeps = await cancelDescendants(tx, runId, `parent run ${run.key} (${runId}) failed`);
    for (const sweepId of new Set([run.sweepId, ...sweeps])) await refreshSweepState(tx, sweepId);
    return true;
  });
}
