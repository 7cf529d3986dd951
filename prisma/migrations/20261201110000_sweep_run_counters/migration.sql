-- AlterTable
ALTER TABLE "sweeps" ADD COLUMN     "cancelled_runs" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "failed_runs" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "open_runs" INTEGER NOT NULL DEFAULT 0;

-- Backfill the counters of existing sweeps from their runs.
UPDATE "sweeps" s SET
    "open_runs" = c.open,
    "failed_runs" = c.failed,
    "cancelled_runs" = c.cancelled
FROM (
    SELECT "sweep_id",
           count(*) FILTER (WHERE "state" IN ('waiting', 'queued', 'running')) AS open,
           count(*) FILTER (WHERE "state" = 'failed') AS failed,
           count(*) FILTER (WHERE "state" = 'cancelled') AS cancelled
    FROM "runs" GROUP BY "sweep_id"
) c
WHERE c."sweep_id" = s."id";
