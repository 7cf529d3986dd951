import type { Run } from '../generated/client.ts';
import type { DbExecutor } from './db-executor.ts';

export interface ClaimedRun {
  run: Run;
  /** true when the run was already `running` under this attempt: a redelivery after a worker died. */
  redelivered: boolean;
}

/**
 * Takes a queued run for execution. Only the attempt the job was queued for can be claimed, so a stale job
 * (an older attempt, or a run cancelled meanwhile) is dropped: returns null. A run already `running` under
 * the same attempt is handed out again — BullMQ redelivers a job whose worker died (crash = resume).
 */
export async function claimRun(db: DbExecutor, runId: string, attempt: number, workerId: string) {
  const now = new Date();
  const claimed = await db.run.updateMany({
    where: { id: runId, attempt, state: 'queued' },
    data: { state: 'running', startedAt: now, heartbeatAt: now, workerId, progress: 0, error: null },
  });
  if (claimed.count === 1) {
    return { run: await db.run.findUniqueOrThrow({ where: { id: runId } }), redelivered: false } as ClaimedRun;
  }
  const resumed = await db.run.updateMany({
    where: { id: runId, attempt, state: 'running' },
    data: { heartbeatAt: now, workerId },
  });
  if (resumed.count === 1) {
    return { run: await db.run.findUniqueOrThrow({ where: { id: runId } }), redelivered: true } as ClaimedRun;
  }
  return null;
}
