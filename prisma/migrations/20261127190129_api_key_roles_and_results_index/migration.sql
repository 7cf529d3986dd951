-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "name" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "role" TEXT NOT NULL DEFAULT 'admin';

-- CreateIndex
CREATE INDEX "runs_team_id_state_idx" ON "runs"("team_id", "state");
