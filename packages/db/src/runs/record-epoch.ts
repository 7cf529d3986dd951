import type { EpochMetrics } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';
import { recordTransition } from './run-events.ts';

/**
 * Stores one epoch's metrics, the run's progress and heartbeat, and the epoch's event. Idempotent per (run,
 * epoch): a retried epoch overwrites its row. Only a run still `running` under `attempt` moves: false
 * otherwise (cancelled, or taken over by another worker), and the caller should stop.
 */
export async function recordEpoch(db: SqlExecutor, runId: string, attempt: number, m: EpochMetrics): Promise<boolean> {
  const metric = {
    trainLoss: m.trainLoss,
    trainAccuracy: m.trainAccuracy,
    valLoss: m.valLoss,
    valAccuracy: m.valAccuracy,
    learningRate: m.learningRate,
    seconds: m.seconds,
  };
  return db.transaction(
    async (sql) => {
      // One statement: the run moves and, only if it did, the metric row is written.
      const [run] = await sql.rows<{ sweepId: string }>`
      WITH moved AS (
        UPDATE runs SET progress = ${Math.min(1, m.epoch / m.epochs)}, heartbeat_at = now(), updated_at = now()
        WHERE id = ${runId}::uuid AND attempt = ${attempt} AND state = 'running'
        RETURNING id, sweep_id
      ), written AS (
        INSERT INTO metrics (run_id, epoch, train_loss, train_accuracy, val_loss, val_accuracy, learning_rate, seconds)
        SELECT id, ${m.epoch}, ${m.trainLoss}, ${m.trainAccuracy}, ${m.valLoss}::float8, ${m.valAccuracy}::float8,
               ${m.learningRate}, ${m.seconds}
        FROM moved
        ON CONFLICT (run_id, epoch) DO UPDATE SET train_loss = excluded.train_loss,
          train_accuracy = excluded.train_accuracy, val_loss = excluded.val_loss, val_accuracy = excluded.val_accuracy,
          learning_rate = excluded.learning_rate, seconds = excluded.seconds, created_at = now()
        RETURNING 1
      )
      SELECT sweep_id::text AS "sweepId" FROM moved`;
      if (run === undefined) return false;
      await recordTransition(sql, [
        { sweepId: run.sweepId, runId, type: 'epoch', data: { attempt, epoch: m.epoch, epochs: m.epochs, ...metric } },
      ]);
      return true;
      // Not flushed before answering (see SqlTransactionOptions.durable): losing the last epoch's row to a
      // PostgreSQL crash costs a metric, which the resumed run writes again.
    },
    { durable: false },
  );
}
