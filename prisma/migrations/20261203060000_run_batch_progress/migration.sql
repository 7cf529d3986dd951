-- AlterTable
-- Progress within an epoch: where the running attempt is ({ attempt, epoch, epochs, batch, batches }) and when
-- the worker said so. A latest value kept on the run, written at most about once a second while it trains, and
-- never as run_events rows (a long run would write thousands). Cleared when an attempt starts.
ALTER TABLE "runs" ADD COLUMN "batch_progress" JSONB,
ADD COLUMN "batch_progress_at" TIMESTAMPTZ(3);
