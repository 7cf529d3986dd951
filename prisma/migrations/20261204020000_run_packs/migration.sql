-- AlterTable
-- Packed students: runs of one sweep with one parent and one pack key train together as one job (one pass over
-- the data and the teacher's logits for all of them), each still its own run. `pack_key` is packages/spec's
-- packKey of the run's config, written at insertion (null: the run always trains alone, e.g. rows stored before
-- packs). `packed_by` is the run whose job claimed this one into its pack for the current attempt (null when
-- the run's own job claimed it): the run's own job then must not take it over as a redelivery.
ALTER TABLE "runs" ADD COLUMN "pack_key" TEXT,
ADD COLUMN "packed_by" UUID;

-- CreateIndex
-- A claim's search for the queued runs it may pack with.
CREATE INDEX "runs_sweep_id_parent_id_pack_key_idx" ON "runs"("sweep_id", "parent_id", "pack_key");
