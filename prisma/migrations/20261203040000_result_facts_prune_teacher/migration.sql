-- A run's teacher is its nearest ancestor that is a teacher: a student's or QAT run's parent, a PTQ variant's or
-- prune run's grandparent, a PTQ of a pruned student's great-grandparent. Before, the trigger took a PTQ
-- variant's grandparent and every other run's parent, so a prune run (whose parent is its student) and a PTQ of
-- one were keyed by their student: replicates over seeds fell into one configuration each.

-- Backfill the facts of prune runs and of PTQ variants of them (the only rows the new rule changes).
UPDATE "result_facts" f SET "teacher_id" = t."id", "teacher_key" = t."identity"
FROM "runs" r
JOIN "runs" p ON p."id" = r."parent_id"
JOIN "runs" g ON g."id" = p."parent_id"
LEFT JOIN "runs" gg ON gg."id" = g."parent_id"
JOIN "runs" t ON t."id" = CASE WHEN g."kind" = 'teacher' THEN g."id" ELSE gg."id" END
WHERE f."run_id" = r."id" AND (r."kind" = 'prune' OR (r."kind" = 'quantize-ptq' AND p."kind" = 'prune'));

-- Otherwise as in migration 20261202090000_result_facts_teacher_identity.
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
  LEFT JOIN "runs" p ON p."id" = r."parent_id"
  LEFT JOIN "runs" g ON g."id" = p."parent_id"
  LEFT JOIN "runs" gg ON gg."id" = g."parent_id"
  CROSS JOIN LATERAL (
    SELECT CASE WHEN r."kind" = 'teacher' THEN NULL WHEN p."kind" = 'teacher' THEN p."id"
      WHEN g."kind" = 'teacher' THEN g."id" WHEN gg."kind" = 'teacher' THEN gg."id" END AS "teacher_id"
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
