-- What `GET /v1/compare` pairs along a kept dimension, kept as configurations come and go. Along a dimension a
-- comparison pools the configurations of one context, one value and one variant of their quantization, then pairs
-- an A pool with the B pools of its context. Until now it found the pools at every comparison, with a window over
-- every configuration's key row (16-dimension arrays, ~1 kB each), 0.4–0.5 s on 100,000 results. Here each
-- dimension's pools are rows of their own, found by an index range on (team, dimension, value), and what a
-- comparison reads of each configuration besides (its sizes, quantization and replicates, which change with every
-- result) moves out of the wide key row into a narrow one.

-- CreateTable: a configuration's replicates (result_facts, aligned, in run id order: of a repeated seed the first is
-- the replicate with the smallest run id, the one a comparison pairs), its mean parameters and bytes and its
-- representative's quantize block (configuration_stats'), rewritten with every refresh of the configuration. The
-- free space left in each page lets those rewrites stay in their page (heap-only tuples), so the table does not
-- grow with every result.
CREATE TABLE "configuration_replicates" (
    "team_id" UUID NOT NULL,
    -- "C" as in configuration_stats, which it is joined with.
    "group_hash" TEXT COLLATE "C" NOT NULL,
    "teacher_key" TEXT NOT NULL,
    "parameters" DOUBLE PRECISION NOT NULL,
    "bytes" DOUBLE PRECISION NOT NULL,
    "quantize" JSONB,
    -- (Nullable as Prisma declares lists; always set.)
    "seeds" INTEGER[],
    "run_ids" UUID[],
    "accuracies" DOUBLE PRECISION[],

    CONSTRAINT "configuration_replicates_pkey" PRIMARY KEY ("team_id", "group_hash", "teacher_key")
) WITH (fillfactor = 70);

INSERT INTO "configuration_replicates" ("team_id", "group_hash", "teacher_key", "parameters", "bytes", "quantize",
  "seeds", "run_ids", "accuracies")
SELECT k."team_id", k."group_hash", k."teacher_key", k."parameters", k."bytes", k."quantize", k."seeds", k."run_ids",
  k."accuracies"
FROM "configuration_dimension_keys" k;

-- CreateTable: one row per pool: the team's configurations that take one value along one kept dimension (0-based,
-- in configuration_dimension_keys_of's order), share a context there (configuration_dimension_keys.contexts: equal
-- configs without the dimension, under one teacher configuration) and a variant (the md5, as a uuid, of what of
-- their quantization a partner's must equal; md5('null') where any partner will do: float, or a product
-- quantization along the method). `members` are their group hashes in "C" order, the first being the pool's first
-- configuration; they share the teacher key, which is part of the context.
CREATE TABLE "comparison_pools" (
    "team_id" UUID NOT NULL,
    "dimension" SMALLINT NOT NULL,
    "value" TEXT NOT NULL,
    "context" UUID NOT NULL,
    "variant" UUID NOT NULL,
    "teacher_key" TEXT NOT NULL,
    "members" TEXT[] COLLATE "C",

    CONSTRAINT "comparison_pools_pkey" PRIMARY KEY ("team_id", "dimension", "value", "context", "variant")
);

-- A configuration's pool key along each kept dimension, from its key row: the dimension (0-based), the value as a
-- comparison names it, the context, the variant. The values take the defaults the API's dimensions give
-- (packages/db KEPT_COMPARISON_DIMENSIONS' `pooled`, which a comparison checks before it reads the pools): a float
-- configuration is at bits 32 and at method and noise `none`, a QAT one without a noise rate at noise 1 (plain QAT
-- is Quant-Noise at rate 1), one on the training split at data.source `real`; any other dimension's value is its
-- label, `none` where absent. Along the quantization's own dimensions the variant is the quantize block without the
-- dimension's field (along the method a product quantization's is none: it pairs with every variant); along any
-- other, the whole block.
CREATE FUNCTION "comparison_pool_keys_of"(p_contexts UUID[], p_labels TEXT[], p_texts TEXT[], p_quantize JSONB)
RETURNS TABLE ("dimension" SMALLINT, "value" TEXT, "context" UUID, "variant" UUID)
LANGUAGE sql IMMUTABLE AS $$
  SELECT (d."i" - 1)::smallint,
    CASE d."i"
      WHEN 6 THEN COALESCE(p_texts[6], '32')  -- quantize.bits
      WHEN 7 THEN COALESCE(p_texts[7], 'none')  -- quantize.method
      WHEN 8 THEN COALESCE(p_texts[8], CASE WHEN p_quantize ->> 'method' = 'qat' THEN '1' END, 'none')  -- quantize.noise
      WHEN 16 THEN COALESCE(p_texts[16], 'real')  -- data.source
      ELSE COALESCE(p_labels[d."i"], 'none')
    END,
    p_contexts[d."i"],
    md5(COALESCE(NULLIF(CASE d."i"
        WHEN 6 THEN p_quantize - 'bits'
        WHEN 7 THEN CASE WHEN p_quantize ->> 'method' = 'pq' THEN NULL ELSE p_quantize - 'method' END
        WHEN 8 THEN p_quantize - 'noise'
        ELSE p_quantize
      END, 'null'::jsonb), 'null'::jsonb)::text)::uuid
  FROM generate_series(1, 16) AS d("i")
$$;

INSERT INTO "comparison_pools" ("team_id", "dimension", "value", "context", "variant", "teacher_key", "members")
SELECT k."team_id", x."dimension", x."value", x."context", x."variant", k."teacher_key",
  array_agg(k."group_hash" ORDER BY k."group_hash" COLLATE "C")
FROM "configuration_dimension_keys" k
CROSS JOIN LATERAL "comparison_pool_keys_of"(k."contexts", k."dimension_labels", k."dimension_texts", k."quantize") x
GROUP BY k."team_id", x."dimension", x."value", x."context", x."variant", k."teacher_key";

-- A configuration's key row written, rewritten or removed moves it between pools: out of the ones it was in (a
-- pool left empty goes), into the ones it is in now. Two transactions moving configurations of one pool wait for
-- each other on its row (a deadlock between them is a transient conflict, which the store retries).
CREATE FUNCTION "configuration_dimension_keys_refresh_pools"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE "comparison_pools" p SET "members" = array_remove(p."members", OLD."group_hash")
    FROM "comparison_pool_keys_of"(OLD."contexts", OLD."dimension_labels", OLD."dimension_texts", OLD."quantize") o
    WHERE p."team_id" = OLD."team_id" AND p."dimension" = o."dimension" AND p."value" = o."value"
      AND p."context" = o."context" AND p."variant" = o."variant";
    DELETE FROM "comparison_pools" p
    USING "comparison_pool_keys_of"(OLD."contexts", OLD."dimension_labels", OLD."dimension_texts", OLD."quantize") o
    WHERE p."team_id" = OLD."team_id" AND p."dimension" = o."dimension" AND p."value" = o."value"
      AND p."context" = o."context" AND p."variant" = o."variant" AND cardinality(p."members") = 0;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO "comparison_pools" AS p ("team_id", "dimension", "value", "context", "variant", "teacher_key",
      "members")
    SELECT NEW."team_id", n."dimension", n."value", n."context", n."variant", NEW."teacher_key",
      ARRAY[NEW."group_hash"]
    FROM "comparison_pool_keys_of"(NEW."contexts", NEW."dimension_labels", NEW."dimension_texts", NEW."quantize") n
    ON CONFLICT ("team_id", "dimension", "value", "context", "variant") DO UPDATE
    SET "members" = ARRAY(SELECT u."m" FROM unnest(p."members" || EXCLUDED."members") AS u("m") GROUP BY u."m"
      ORDER BY u."m" COLLATE "C");
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "configuration_dimension_keys_refresh_pools" AFTER INSERT OR DELETE ON "configuration_dimension_keys"
  FOR EACH ROW EXECUTE FUNCTION "configuration_dimension_keys_refresh_pools"();
CREATE TRIGGER "configuration_dimension_keys_refresh_pools_update" AFTER UPDATE ON "configuration_dimension_keys"
  FOR EACH ROW WHEN ((OLD."team_id", OLD."group_hash", OLD."teacher_key", OLD."contexts", OLD."dimension_labels",
    OLD."dimension_texts", OLD."quantize") IS DISTINCT FROM (NEW."team_id", NEW."group_hash", NEW."teacher_key",
    NEW."contexts", NEW."dimension_labels", NEW."dimension_texts", NEW."quantize"))
  EXECUTE FUNCTION "configuration_dimension_keys_refresh_pools"();

-- A configuration recomputed (every refresh sets its n) has its replicates row rewritten; one new or with another
-- representative has its key row written as well (the keys, their labels and the quantize block they are taken
-- with), and only then: the key row no longer changes with every result. A configuration removed loses both rows.
CREATE OR REPLACE FUNCTION "configuration_stats_refresh_dimension_keys"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM "configuration_dimension_keys"
    WHERE "team_id" = OLD."team_id" AND "group_hash" = OLD."group_hash" AND "teacher_key" = OLD."teacher_key";
    DELETE FROM "configuration_replicates"
    WHERE "team_id" = OLD."team_id" AND "group_hash" = OLD."group_hash" AND "teacher_key" = OLD."teacher_key";
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' OR OLD."rep_run_id" IS DISTINCT FROM NEW."rep_run_id" THEN
    INSERT INTO "configuration_dimension_keys" AS k ("team_id", "group_hash", "teacher_key", "dimension_values",
      "contexts", "quantize", "dimension_labels", "dimension_texts")
    SELECT NEW."team_id", NEW."group_hash", NEW."teacher_key", d."dimension_values", d."contexts", NEW."quantize",
      l."labels", l."texts"
    FROM "runs" r
    LEFT JOIN "runs" p ON p."id" = r."parent_id"
    CROSS JOIN LATERAL "configuration_dimension_keys_of"(r."kind", r."config", p."config", NEW."teacher_key") d
    CROSS JOIN LATERAL "configuration_dimension_labels_of"(d."dimension_values") l
    WHERE r."id" = NEW."rep_run_id"
    ON CONFLICT ("team_id", "group_hash", "teacher_key") DO UPDATE
    SET "dimension_values" = EXCLUDED."dimension_values", "contexts" = EXCLUDED."contexts",
      "quantize" = EXCLUDED."quantize", "dimension_labels" = EXCLUDED."dimension_labels",
      "dimension_texts" = EXCLUDED."dimension_texts"
    WHERE (k."dimension_values", k."contexts", k."quantize")
      IS DISTINCT FROM (EXCLUDED."dimension_values", EXCLUDED."contexts", EXCLUDED."quantize");
  END IF;
  INSERT INTO "configuration_replicates" AS x ("team_id", "group_hash", "teacher_key", "parameters", "bytes",
    "quantize", "seeds", "run_ids", "accuracies")
  SELECT NEW."team_id", NEW."group_hash", NEW."teacher_key", NEW."parameters", NEW."bytes", NEW."quantize",
    f."seeds", f."run_ids", f."accuracies"
  FROM (
    SELECT COALESCE(array_agg(f."seed" ORDER BY f."run_id"), '{}') AS "seeds",
      COALESCE(array_agg(f."run_id" ORDER BY f."run_id"), '{}') AS "run_ids",
      COALESCE(array_agg(f."accuracy" ORDER BY f."run_id"), '{}') AS "accuracies"
    FROM "result_facts" f
    -- The facts' own collation, which their (team_id, group_hash, teacher_key) index is in.
    WHERE f."team_id" = NEW."team_id" AND f."group_hash" = NEW."group_hash" COLLATE "default"
      AND f."teacher_key" = NEW."teacher_key"
  ) f
  ON CONFLICT ("team_id", "group_hash", "teacher_key") DO UPDATE
  SET "parameters" = EXCLUDED."parameters", "bytes" = EXCLUDED."bytes", "quantize" = EXCLUDED."quantize",
    "seeds" = EXCLUDED."seeds", "run_ids" = EXCLUDED."run_ids", "accuracies" = EXCLUDED."accuracies";
  RETURN NULL;
END
$$;

-- AlterTable: what moved to configuration_replicates.
ALTER TABLE "configuration_dimension_keys" DROP COLUMN "seeds",
DROP COLUMN "run_ids",
DROP COLUMN "accuracies",
DROP COLUMN "parameters",
DROP COLUMN "bytes";
