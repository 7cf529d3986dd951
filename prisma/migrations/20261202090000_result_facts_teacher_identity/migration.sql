-- A configuration is (group hash, teacher configuration): students of one teacher configuration are replicates
-- of one another whichever run trained that teacher. Keyed by the teacher's run id instead, a `rerun` over some
-- of the seeds (which trains the teacher again, as a new run of the same identity) split the configuration in two
-- and its n between them. teacher_key is now the teacher's run identity (packages/spec runIdentity), '' for
-- teachers themselves; teacher_id still names the run that trained the replicate's teacher.
ALTER TABLE "result_facts" ALTER COLUMN "teacher_key" DROP DEFAULT;
ALTER TABLE "result_facts" ALTER COLUMN "teacher_key" SET DATA TYPE TEXT USING '';
ALTER TABLE "result_facts" ALTER COLUMN "teacher_key" SET DEFAULT '';

-- Backfill: every distilled replicate gets its teacher's identity (teachers keep '').
UPDATE "result_facts" f SET "teacher_key" = t."identity" FROM "runs" t WHERE t."id" = f."teacher_id";

-- The trigger writes the teacher's identity from now on; otherwise as in migration 20261202020000_run_identity.
CREATE OR REPLACE FUNCTION "result_facts_refresh"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "result_facts" ("run_id", "team_id", "sweep_id", "group_hash", "teacher_id", "teacher_key", "kind",
    "dataset", "family", "activation", "activation_name", "method", "bits", "seed", "accuracy", "loss", "parameters",
    "bytes", "created_at", "identity", "backend")
  SELECT NEW."run_id", r."team_id", r."sweep_id", r."group_hash", t."teacher_id",
    COALESCE(tr."identity", ''),
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
  LEFT JOIN "runs" tr ON tr."id" = t."teacher_id"
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
