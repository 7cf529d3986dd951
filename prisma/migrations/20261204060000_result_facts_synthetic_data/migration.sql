-- Students and QAT runs may train on synthetic data (`data.source: synthetic`, inputs a synthesize run made from
-- the teacher): result_facts carry where a replicate's training inputs came from, so results filter and compare
-- by it. A synthesize run's result describes a data set, not a model: it gets no fact (it would be a point of the
-- accuracy-versus-size frontier). Its students' teacher is still their nearest teacher ancestor: a student's or
-- QAT run's grandparent (through the synthesize run), a PTQ variant's great-grandparent.
-- No backfill: no stored run has a `data` key before this migration.
ALTER TABLE "result_facts" ADD COLUMN "data_source" TEXT NOT NULL DEFAULT 'real';
ALTER TABLE "result_facts" ADD COLUMN "data_method" TEXT NOT NULL DEFAULT '';

-- Otherwise as in migration 20261203040000_result_facts_prune_teacher.
CREATE OR REPLACE FUNCTION "result_facts_refresh"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "result_facts" ("run_id", "team_id", "sweep_id", "group_hash", "teacher_id", "teacher_key", "kind",
    "dataset", "family", "activation", "activation_name", "method", "bits", "seed", "accuracy", "loss", "parameters",
    "bytes", "created_at", "identity", "backend", "data_source", "data_method")
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
    NEW."bytes", NEW."created_at", r."identity", NEW."backend",
    COALESCE(r."config" -> 'data' ->> 'source', 'real'), COALESCE(r."config" -> 'data' ->> 'method', '')
  FROM "runs" r
  LEFT JOIN "runs" p ON p."id" = r."parent_id"
  LEFT JOIN "runs" g ON g."id" = p."parent_id"
  LEFT JOIN "runs" gg ON gg."id" = g."parent_id"
  CROSS JOIN LATERAL (
    SELECT CASE WHEN r."kind" = 'teacher' THEN NULL WHEN p."kind" = 'teacher' THEN p."id"
      WHEN g."kind" = 'teacher' THEN g."id" WHEN gg."kind" = 'teacher' THEN gg."id" END AS "teacher_id"
  ) t
  LEFT JOIN "runs" tr ON tr."id" = t."teacher_id"
  WHERE r."id" = NEW."run_id" AND r."kind" <> 'synthesize'
  ON CONFLICT ("team_id", "identity", "backend") DO UPDATE SET "run_id" = EXCLUDED."run_id",
    "sweep_id" = EXCLUDED."sweep_id", "group_hash" = EXCLUDED."group_hash", "teacher_id" = EXCLUDED."teacher_id",
    "teacher_key" = EXCLUDED."teacher_key", "kind" = EXCLUDED."kind", "dataset" = EXCLUDED."dataset",
    "family" = EXCLUDED."family", "activation" = EXCLUDED."activation",
    "activation_name" = EXCLUDED."activation_name", "method" = EXCLUDED."method", "seed" = EXCLUDED."seed",
    "accuracy" = EXCLUDED."accuracy", "loss" = EXCLUDED."loss", "parameters" = EXCLUDED."parameters",
    "bytes" = EXCLUDED."bytes", "bits" = EXCLUDED."bits", "created_at" = EXCLUDED."created_at",
    "data_source" = EXCLUDED."data_source", "data_method" = EXCLUDED."data_method"
  WHERE EXCLUDED."created_at" >= "result_facts"."created_at";
  RETURN NULL;
END
$$;
