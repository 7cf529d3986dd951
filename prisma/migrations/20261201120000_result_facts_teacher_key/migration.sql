-- DropIndex
DROP INDEX "result_facts_team_id_group_hash_idx";

-- AlterTable
ALTER TABLE "result_facts" ADD COLUMN     "teacher_key" UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000';

-- CreateIndex
CREATE INDEX "result_facts_team_id_group_hash_teacher_key_idx" ON "result_facts"("team_id", "group_hash", "teacher_key");

-- A configuration's replicates are found by (team, group hash, teacher) through that index; teacher_key is the
-- teacher without NULLs. The trigger writes it from now on; rows already there get it here.
UPDATE "result_facts" SET "teacher_key" = "teacher_id" WHERE "teacher_id" IS NOT NULL;

CREATE OR REPLACE FUNCTION "result_facts_refresh"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "result_facts" ("run_id", "team_id", "sweep_id", "group_hash", "teacher_id", "teacher_key", "kind",
    "dataset", "family", "activation", "activation_name", "method", "bits", "seed", "accuracy", "loss", "parameters",
    "bytes", "created_at")
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
    NEW."bytes", NEW."created_at"
  FROM "runs" r
  LEFT JOIN "runs" p ON p."id" = r."parent_id" AND r."kind" = 'quantize-ptq'
  CROSS JOIN LATERAL (
    SELECT CASE r."kind" WHEN 'teacher' THEN NULL WHEN 'quantize-ptq' THEN p."parent_id" ELSE r."parent_id" END
      AS "teacher_id"
  ) t
  WHERE r."id" = NEW."run_id"
  ON CONFLICT ("run_id") DO UPDATE SET "accuracy" = EXCLUDED."accuracy", "loss" = EXCLUDED."loss",
    "parameters" = EXCLUDED."parameters", "bytes" = EXCLUDED."bytes", "bits" = EXCLUDED."bits",
    "created_at" = EXCLUDED."created_at";
  RETURN NULL;
END
$$;
