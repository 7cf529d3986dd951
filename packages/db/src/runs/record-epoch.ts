import type { PrismaClient } from '../database-client.ts';
import { withTransaction } from '../transient/with-transaction.ts';
import type { MovedRun } from './moved-run.ts';
import { recordTransition } from './run-events.ts';

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
 * Stores one epoch's metrics, the run's progress and heartbeat, and the epoch's event. Idempotent per (run,
 * epoch): a retried epoch overwrites its row. Only a run still `running` under `attempt` moves: false
 * otherwise (cancelled, or taken over by another worker), and the caller should stop.
 */
export async function recordEpoch(db: PrismaClient, runId: string, attempt: number, m: EpochRecord): Promise<boolean> {
  const metric = {
    trainLoss: m.trainLoss,
    trainAccuracy: m.trainAccuracy,
    valLoss: m.valLoss,
    valAccuracy: m.valAccuracy,
    learningRate: m.learningRate,
    seconds: m.seconds,
  };
  return withTransaction(db, async (tx) => {
    const [run] = await tx.$queryRaw<MovedRun[]>`
      UPDATE runs SET progress = ${Math.min(1, m.epoch / m.epochs)}, heartbeat_at = now(), updated_at = now()
      WHERE id = ${runId}::uuid AND attempt = ${attempt} AND state = 'running'
      RETURNING id::text AS id, sweep_id::text AS "sweepId", attempt`;
    if (run === undefined) return false;
    await tx.metric.upsert({
      where: { runId_epoch: { runId, epoch: m.epoch } },
      create: { runId, epoch: m.epoch, ...metric },
      update: metric,
    });
    await recordTransition(tx, [
      { sweepId: run.sweepId, runId, type: 'epoch', data: { attempt, epoch: m.epoch, epochs: m.epochs, ...metric } },
    ]);
    return true;
  });
}
