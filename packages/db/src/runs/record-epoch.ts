import type { DbExecutor } from './db-executor.ts';

export interface EpochRecord {
  epoch: number;
  epochs: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  learningRate: number;
  seconds: number;
}

/**
 * Stores one epoch's metrics and the run's progress. Idempotent per (run, epoch): a retried epoch overwrites
 * its row. Only a run that is still `running` under `attempt` moves (a cancelled run's late epoch is ignored).
 */
export async function recordEpoch(db: DbExecutor, runId: string, attempt: number, m: EpochRecord): Promise<boolean> {
  const metric = {
    trainLoss: m.trainLoss,
    trainAccuracy: m.trainAccuracy,
    valLoss: m.valLoss,
    valAccuracy: m.valAccuracy,
    learningRate: m.learningRate,
    seconds: m.seconds,
  };
  const moved = await db.run.updateMany({
    where: { id: runId, attempt, state: 'running' },
    data: { progress: Math.min(1, m.epoch / m.epochs), heartbeatAt: new Date() },
  });
  if (moved.count === 0) return false;
  await db.metric.upsert({
    where: { runId_epoch: { runId, epoch: m.epoch } },
    create: { runId, epoch: m.epoch, ...metric },
    update: metric,
  });
  return true;
}
