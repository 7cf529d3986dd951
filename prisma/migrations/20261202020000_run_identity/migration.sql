-- A run's identity (packages/spec runIdentity): its configuration hash chained with its parent's identity, so
-- two runs of a team with the same configuration, seed and teacher are recognisably the same experiment.
ALTER TABLE "runs" ADD COLUMN "identity" TEXT DEFAULT '';

-- Backfill from the roots (teachers) down; the same function as runIdentity: a root's identity is its config
-- hash, a child's the sha256 (hex) of 'configHash/parentIdentity'.
WITH RECURSIVE "ident" AS (
    SELECT "id", "config_hash" AS "identity" FROM "runs" WHERE "parent_id" IS NULL
    UNION ALL
    SELECT r."id", encode(sha256(convert_to(r."config_hash" || '/' || i."identity", 'UTF8')), 'hex')
    FROM "runs" r JOIN "ident" i ON r."parent_id" = i."id"
)
UPDATE "runs" SET "identity" = "ident"."identity" FROM "ident" WHERE "runs"."id" = "ident"."id";

ALTER TABLE "runs" ALTER COLUMN "identity" SET NOT NULL;

-- Submissions store every run's identity. A row inserted without one ('': an import of a file exported before
-- identities, a hand-made row) gets it here, from its parent's (parents are inserted first).
CREATE FUNCTION "runs_fill_identity"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."identity" = '' THEN
    NEW."identity" := COALESCE(
      (SELECT encode(sha256(convert_to(NEW."config_hash" || '/' || p."identity", 'UTF8')), 'hex')
       FROM "runs" p WHERE p."id" = NEW."parent_id"),
      NEW."config_hash");
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "runs_fill_identity" BEFORE INSERT ON "runs"
  FOR EACH ROW EXECUTE FUNCTION "runs_fill_identity"();

-- CreateIndex
CREATE INDEX "sweeps_team_id_spec_hash_idx" ON "sweeps"("team_id", "spec_hash");

-- CreateIndex
CREATE INDEX "runs_team_id_identity_idx" ON "runs"("team_id", "identity");

-- CreateTable: a sweep's runs that belong to an earlier sweep (reused by identity), under this sweep's key.
CREATE TABLE "reused_runs" (
    "sweep_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "run_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reused_runs_pkey" PRIMARY KEY ("sweep_id","key")
);

-- CreateIndex
CREATE UNIQUE INDEX "reused_runs_sweep_id_run_id_key" ON "reused_runs"("sweep_id", "run_id");

-- CreateIndex
CREATE INDEX "reused_runs_run_id_idx" ON "reused_runs"("run_id");

-- AddForeignKey
ALTER TABLE "reused_runs" ADD CONSTRAINT "reused_runs_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reused_runs" ADD CONSTRAINT "reused_runs_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The facts hold one row per replicate: (team, identity, backend), the latest result. A run trained again
-- (`rerun`) replaces its identity's row instead of adding a seed that is not one.
ALTER TABLE "result_facts" ADD COLUMN "identity" TEXT NOT NULL DEFAULT '',
ADD COLUMN "backend" TEXT NOT NULL DEFAULT '';

UPDATE "result_facts" f SET "identity" = r."identity", "backend" = x."backend"
FROM "runs" r, "results" x
WHERE r."id" = f."run_id" AND x."run_id" = f."run_id";

-- Keep the latest result of every replicate; drop the repeats counted before.
DELETE FROM "result_facts" f
USING (
    SELECT "run_id", row_number() OVER (
        PARTITION BY "team_id", "identity", "backend" ORDER BY "created_at" DESC, "run_id" DESC) AS n
    FROM "result_facts"
) d
WHERE d."run_id" = f."run_id" AND d.n > 1;

ALTER TABLE "result_facts" ALTER COLUMN "identity" DROP DEFAULT, ALTER COLUMN "backend" DROP DEFAULT;

-- CreateIndex
CREATE UNIQUE INDEX "result_facts_team_id_identity_backend_key" ON "result_facts"("team_id", "identity", "backend");

-- Every insert or update of a result writes its replicate's fact row, unless that replicate already has a newer
-- result (a result refreshed after a rerun does not take the row back).
CREATE OR REPLACE FUNCTION "result_facts_refresh"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "result_facts" ("run_id", "team_id", "sweep_id", "group_hash", "teacher_id", "teacher_key", "kind",
    "dataset", "family", "activation", "activation_name", "method", "bits", "seed", "accuracy", "loss", "parameters",
    "bytes", "created_at", "identity", "backend")
  SELECT NEW."run_id", r."team_id", r."sweep_id", r."group_hash", t."teacher_id",
    COALESCE(t."teacher_id", '00000000-0000-0000-0000-000000000000'),
    r."kind",
    COALESCE(r."config" -> 'dataset' ->> 'name', ''),
    COALESCE(r."config" -> 'model' ->> 'family', ''),
    COALESCE(CASE jsonb_typeof(r."config" -> 'model' -> 'activation')
      WHEN 'string' THEN r."config" -> 'model' ->> 'activation'
      WHEN 'object' THEN (r."config" -> 'model' -> 'activation' ->> 'name')
        || COALESCE('-' || (r."config" -> 'model' -> 'activation' ->> 'segments'), '')
    END, ''),
    COALESCE(r."config" -> 'model' -> 'activation' ->> 'name', r."config" -> 'model' ->> 'activation', ''),
    COALESCE(r."config" -> 'quantize' ->> 'method', 'none'),
    NEW."bits", COALESCE((r."config" ->> 'seed')::int, 0), NEW."accuracy", NEW."loss", NEW."parameters",
    NEW."bytes", NEW."created_at", r."identity", NEW."backend"
  FROM "runs" r
  LEFT JOIN "runs" p ON p."id" = r."parent_id" AND r."kind" = 'quantize-ptq'
  CROSS JOIN LATERAL (
    SELECT CASE r."kind" WHEN 'teacher' THEN NULL WHEN 'quantize-ptq' THEN p."parent_id" ELSE r."parent_id" END
      AS "teacher_id"
  ) t
  WHERE r."id" = NEW."run_id"
  ON CONFLICT ("team_id", "identity", "backend") DO UPDATE SET "run_id" = EXCLUDED."run_id",
    "sweep_id" = EXCLUDED."sweep_id", "group_hash" = EXCLUDED."group_hash", "teacher_id" = EXCLUDED."teacher_id",
    "teacher_key" = EXCLUDED."teacher_key", "kind" = EXCLUDED."kind", "dataset" = EXCLUDED."dataset",
    "family" = EXCLUDED."family", "activation" = EXCLUDED."activation",
    "activation_name" = EXCLUDED."activation_name", "method" = EXCLUDED."method", "seed" = EXCLUDED."seed",
    "accuracy" = EXCLUDED."accuracy", "loss" = EXCLUDED."loss", "parameters" = EXCLUDED."parameters",
    "bytes" = EXCLUDED."bytes", "bits" = EXCLUDED."bits", "created_at" = EXCLUDED."created_at"
  WHERE EXCLUDED."created_at" >= "result_facts"."created_at";
  RETURN NULL;
END
$$;
