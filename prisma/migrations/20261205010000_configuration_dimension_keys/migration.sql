-- What `GET /v1/compare` pairs configurations on, kept as results land instead of read from every configuration's
-- representative config (jsonb) at each comparison (0.9–1.3 s on 100,000 results, a timeout on 1,000,000;
-- bench/results/store.md). Along a dimension, two configurations pair when their compared configs (a PTQ
-- variant's with its student's training, as compareConfigurations reads them) are equal without the dimension's
-- path (and what goes with it) and the seed, and they share their teacher configuration. For each configuration
-- and each named dimension that equality is kept as a key, and the config's value there, so a comparison reads
-- one narrow row per configuration instead of every representative config.

-- AlterTable: the representative run's label and quantize block (null for float), what a comparison shows of a
-- configuration; set from the representative run whenever that changes (trigger below).
ALTER TABLE "configuration_stats" ADD COLUMN "label" TEXT NOT NULL DEFAULT '',
ADD COLUMN "quantize" JSONB;

-- CreateTable
CREATE TABLE "configuration_dimension_keys" (
    "team_id" UUID NOT NULL,
    -- "C" as in configuration_stats, which it is joined with.
    "group_hash" TEXT COLLATE "C" NOT NULL,
    "teacher_key" TEXT NOT NULL,
    -- One element per dimension, in configuration_dimension_keys_of's order: the compared config's value there
    -- (its subtree, JSON null where absent), labelled when compared.
    "dimension_values" JSONB NOT NULL,
    -- One key per dimension, in the same order (see configuration_dimension_keys_of).
    "contexts" UUID[],
    -- The replicates (result_facts), aligned and in run id order: what a comparison pairs on seed. (Nullable as
    -- Prisma declares lists; always set.)
    "seeds" INTEGER[],
    "run_ids" UUID[],
    "accuracies" DOUBLE PRECISION[],

    CONSTRAINT "configuration_dimension_keys_pkey" PRIMARY KEY ("team_id", "group_hash", "teacher_key")
);

-- A configuration's values and keys, from its representative run's kind and config, its parent's config and the
-- teacher key. The dimensions, in this order (packages/db KEPT_COMPARISON_DIMENSIONS lists the same): the API's
-- named ones (COMPARE_DIMENSIONS) and prune.method; a comparison along any other path reads the configs as
-- before. As compareConfigurations: along a quantization dimension (bits, method, noise) the context leaves out
-- kind and the whole quantize block, and the value is the run's own config's; along prune.method SuRP's alpha goes
-- with the method, along data.source the whole data block.
--
-- A key is the md5 of [context, teacher key] as jsonb text, as a uuid: equal exactly when both are, since
-- jsonb's text form is canonical (keys sorted, one spelling of whitespace) but for numbers written with other
-- trailing zeros (1.0 and 1), which JSON.stringify, through which every stored config passes, never writes.
CREATE FUNCTION "configuration_dimension_keys_of"(p_kind TEXT, p_config JSONB, p_parent_config JSONB, p_tkey TEXT,
  OUT "dimension_values" JSONB, OUT "contexts" UUID[])
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_array(
    x."c" #> '{model,activation}',  -- 0: model.activation
    x."c" #> '{model,hidden}',  -- 1: model.hidden
    x."c" #> '{model,channels}',  -- 2: model.channels
    x."c" #> '{model,batchNorm}',  -- 3: model.batchNorm
    x."c" #> '{model,smh,fraction}',  -- 4: model.smh.fraction
    p_config #> '{quantize,bits}',  -- 5: quantize.bits
    p_config #> '{quantize,method}',  -- 6: quantize.method
    p_config #> '{quantize,noise}',  -- 7: quantize.noise
    x."c" #> '{distill,temperature}',  -- 8: distill.temperature
    x."c" #> '{distill,alpha}',  -- 9: distill.alpha
    x."c" #> '{train,optimizer,name}',  -- 10: train.optimizer.name
    x."c" #> '{train,optimizer,lr}',  -- 11: train.optimizer.lr
    x."c" #> '{train,epochs}',  -- 12: train.epochs
    x."c" #> '{prune,sparsity}',  -- 13: prune.sparsity
    x."c" #> '{prune,method}',  -- 14: prune.method
    x."c" #> '{data,source}'  -- 15: data.source
  ), ARRAY[
    md5(jsonb_build_array((x."c" #- '{model,activation}') - 'seed', p_tkey)::text)::uuid,  -- [1]: model.activation
    md5(jsonb_build_array((x."c" #- '{model,hidden}') - 'seed', p_tkey)::text)::uuid,  -- [2]: model.hidden
    md5(jsonb_build_array((x."c" #- '{model,channels}') - 'seed', p_tkey)::text)::uuid,  -- [3]: model.channels
    md5(jsonb_build_array((x."c" #- '{model,batchNorm}') - 'seed', p_tkey)::text)::uuid,  -- [4]: model.batchNorm
    md5(jsonb_build_array((x."c" #- '{model,smh,fraction}') - 'seed', p_tkey)::text)::uuid,  -- [5]: model.smh.fraction
    md5(jsonb_build_array(x."c" - 'seed' - 'kind' - 'quantize', p_tkey)::text)::uuid,  -- [6]: quantize.bits
    md5(jsonb_build_array(x."c" - 'seed' - 'kind' - 'quantize', p_tkey)::text)::uuid,  -- [7]: quantize.method
    md5(jsonb_build_array(x."c" - 'seed' - 'kind' - 'quantize', p_tkey)::text)::uuid,  -- [8]: quantize.noise
    md5(jsonb_build_array((x."c" #- '{distill,temperature}') - 'seed', p_tkey)::text)::uuid,  -- [9]: distill.temperature
    md5(jsonb_build_array((x."c" #- '{distill,alpha}') - 'seed', p_tkey)::text)::uuid,  -- [10]: distill.alpha
    md5(jsonb_build_array((x."c" #- '{train,optimizer,name}') - 'seed', p_tkey)::text)::uuid,  -- [11]: train.optimizer.name
    md5(jsonb_build_array((x."c" #- '{train,optimizer,lr}') - 'seed', p_tkey)::text)::uuid,  -- [12]: train.optimizer.lr
    md5(jsonb_build_array((x."c" #- '{train,epochs}') - 'seed', p_tkey)::text)::uuid,  -- [13]: train.epochs
    md5(jsonb_build_array((x."c" #- '{prune,sparsity}') - 'seed', p_tkey)::text)::uuid,  -- [14]: prune.sparsity
    md5(jsonb_build_array((x."c" #- '{prune,method}' #- '{prune,alpha}') - 'seed', p_tkey)::text)::uuid,  -- [15]: prune.method
    md5(jsonb_build_array((x."c" #- '{data,source}' #- '{data}') - 'seed', p_tkey)::text)::uuid  -- [16]: data.source
  ]
  FROM (SELECT CASE WHEN p_kind = 'quantize-ptq' AND p_parent_config IS NOT NULL
    THEN jsonb_set(p_config, '{train}', p_parent_config -> 'train') ELSE p_config END AS "c") x
$$;

-- A configuration's label and quantization, from its representative run, whenever that is set.
CREATE FUNCTION "configuration_stats_describe"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT r."label", NULLIF(r."config" -> 'quantize', 'null'::jsonb) INTO NEW."label", NEW."quantize"
  FROM "runs" r WHERE r."id" = NEW."rep_run_id";
  NEW."label" := COALESCE(NEW."label", '');
  RETURN NEW;
END
$$;

CREATE TRIGGER "configuration_stats_describe_insert" BEFORE INSERT ON "configuration_stats"
  FOR EACH ROW EXECUTE FUNCTION "configuration_stats_describe"();
CREATE TRIGGER "configuration_stats_describe_update" BEFORE UPDATE OF "rep_run_id" ON "configuration_stats"
  FOR EACH ROW WHEN (OLD."rep_run_id" IS DISTINCT FROM NEW."rep_run_id")
  EXECUTE FUNCTION "configuration_stats_describe"();

-- A configuration recomputed (by configuration_stats_refresh as facts change, whatever changed them) has its
-- replicates copied and, when it is new or has another representative, its keys written; a configuration
-- removed has its row removed, in the same transaction. The keys are rewritten only when they change: another
-- representative of the same configuration has the same keys.
CREATE FUNCTION "configuration_stats_refresh_dimension_keys"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM "configuration_dimension_keys"
    WHERE "team_id" = OLD."team_id" AND "group_hash" = OLD."group_hash" AND "teacher_key" = OLD."teacher_key";
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' OR OLD."rep_run_id" IS DISTINCT FROM NEW."rep_run_id" THEN
    INSERT INTO "configuration_dimension_keys" AS k ("team_id", "group_hash", "teacher_key", "dimension_values",
      "contexts", "seeds", "run_ids", "accuracies")
    SELECT NEW."team_id", NEW."group_hash", NEW."teacher_key", d."dimension_values", d."contexts", '{}', '{}', '{}'
    FROM "runs" r
    LEFT JOIN "runs" p ON p."id" = r."parent_id"
    CROSS JOIN LATERAL "configuration_dimension_keys_of"(r."kind", r."config", p."config", NEW."teacher_key") d
    WHERE r."id" = NEW."rep_run_id"
    ON CONFLICT ("team_id", "group_hash", "teacher_key") DO UPDATE
    SET "dimension_values" = EXCLUDED."dimension_values", "contexts" = EXCLUDED."contexts"
    WHERE (k."dimension_values", k."contexts") IS DISTINCT FROM (EXCLUDED."dimension_values", EXCLUDED."contexts");
  END IF;
  UPDATE "configuration_dimension_keys" k SET "seeds" = f."seeds", "run_ids" = f."run_ids",
    "accuracies" = f."accuracies"
  FROM (
    SELECT COALESCE(array_agg(f."seed" ORDER BY f."run_id"), '{}') AS "seeds",
      COALESCE(array_agg(f."run_id" ORDER BY f."run_id"), '{}') AS "run_ids",
      COALESCE(array_agg(f."accuracy" ORDER BY f."run_id"), '{}') AS "accuracies"
    FROM "result_facts" f
    -- The facts' own collation, which their (team_id, group_hash, teacher_key) index is in.
    WHERE f."team_id" = NEW."team_id" AND f."group_hash" = NEW."group_hash" COLLATE "default"
      AND f."teacher_key" = NEW."teacher_key"
  ) f
  WHERE k."team_id" = NEW."team_id" AND k."group_hash" = NEW."group_hash" AND k."teacher_key" = NEW."teacher_key";
  RETURN NULL;
END
$$;

-- Every refresh of a configuration sets its n (whether or not it changed); the frontier's updates set only
-- on_frontier and fire nothing here.
CREATE TRIGGER "configuration_stats_refresh_dimension_keys" AFTER INSERT OR DELETE OR UPDATE OF "n", "rep_run_id"
  ON "configuration_stats"
  FOR EACH ROW EXECUTE FUNCTION "configuration_stats_refresh_dimension_keys"();

-- Backfill: every configuration stored before this migration, in one pass each.
UPDATE "configuration_stats" c SET "label" = r."label", "quantize" = NULLIF(r."config" -> 'quantize', 'null'::jsonb)
FROM "runs" r WHERE r."id" = c."rep_run_id";

INSERT INTO "configuration_dimension_keys" ("team_id", "group_hash", "teacher_key", "dimension_values", "contexts",
  "seeds", "run_ids", "accuracies")
SELECT c."team_id", c."group_hash", c."teacher_key", d."dimension_values", d."contexts", m."seeds", m."run_ids",
  m."accuracies"
FROM "configuration_stats" c
JOIN "runs" r ON r."id" = c."rep_run_id"
LEFT JOIN "runs" p ON p."id" = r."parent_id"
CROSS JOIN LATERAL "configuration_dimension_keys_of"(r."kind", r."config", p."config", c."teacher_key") d
JOIN (
  SELECT f."team_id", f."group_hash", f."teacher_key", array_agg(f."seed" ORDER BY f."run_id") AS "seeds",
    array_agg(f."run_id" ORDER BY f."run_id") AS "run_ids", array_agg(f."accuracy" ORDER BY f."run_id") AS "accuracies"
  FROM "result_facts" f GROUP BY f."team_id", f."group_hash", f."teacher_key"
) m ON m."team_id" = c."team_id" AND m."group_hash" = c."group_hash" COLLATE "default" AND m."teacher_key" = c."teacher_key";
