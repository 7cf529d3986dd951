-- AlterTable
-- The split's digest: sha256 (hex) of the exact train, validation and test rows the run used, written by the
-- worker with the result. Results stored before this column existed have none (NULL): their rows were not
-- recorded and cannot be recovered.
ALTER TABLE "results" ADD COLUMN "split_digest" TEXT;
