-- What a comparison's pairing reads of a configuration besides its keys and replicates, kept in its
-- configuration_dimension_keys row, so a comparison reads one row per configuration from this table alone
-- (configuration_stats only for the pairs it lists) and compares text where it unpacked jsonb per row:
-- its mean parameters and bytes (configuration_stats', from which the pooled sides' sizes are averaged), its
-- representative's quantize block (configuration_stats'; what a comparison stratifies on and, along a
-- quantization dimension, pairs on), and each kept dimension's value as text, in the two forms compareConfigurations
-- reads it: labelled (`dimension_labels`) and as its text (`dimension_texts`, `#>> '{}'`).

-- AlterTable
ALTER TABLE "configuration_dimension_keys" ADD COLUMN "parameters" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN "bytes" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN "quantize" JSONB,
ADD COLUMN "dimension_labels" TEXT[],
ADD COLUMN "dimension_texts" TEXT[];

-- A kept value's label as results show it, as compareConfigurations' valueLabelSql writes it, but null where the
-- value is absent or JSON null (a comparison reads those as `none`): strings, numbers and booleans as they are,
-- an activation object `name-segments` when it holds nothing but its name, segments and options (the option
-- names are packages/spec ACTIVATION_OPTION_KEYS', which packages/db's tests hold equal), JSON without spaces
-- otherwise. And its text (`#>> '{}'`): what a comparison along a quantization dimension or data.source reads.
CREATE FUNCTION "configuration_dimension_labels_of"(p_values JSONB, OUT "labels" TEXT[], OUT "texts" TEXT[])
LANGUAGE sql IMMUTABLE AS $$
  SELECT array_agg(CASE
      WHEN jsonb_typeof(e."value") = 'null' THEN NULL
      WHEN jsonb_typeof(e."value") IN ('string', 'number', 'boolean') THEN e."value" #>> '{}'
      WHEN jsonb_typeof(e."value") = 'object' AND e."value" ? 'name'
        AND e."value" - 'name' - 'segments' - '{statistics,slopes,beta,init}'::text[] = '{}'::jsonb
        THEN (e."value" ->> 'name') || COALESCE('-' || (e."value" ->> 'segments'), '')
      ELSE replace(e."value"::text, ' ', '')
    END ORDER BY e."i"), array_agg(e."value" #>> '{}' ORDER BY e."i")
  FROM jsonb_array_elements(p_values) WITH ORDINALITY AS e("value", "i")
$$;

-- Written with every refresh of the configuration (as its replicates are), from the configuration_stats row the
-- trigger fires on: every refresh sets n, so every change of the numbers reaches this row in the same
-- transaction; a new representative sets rep_run_id, after configuration_stats_describe set its quantize. The
-- labels are written with the values they label.
CREATE OR REPLACE FUNCTION "configuration_stats_refresh_dimension_keys"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM "configuration_dimension_keys"
    WHERE "team_id" = OLD."team_id" AND "group_hash" = OLD."group_hash" AND "teacher_key" = OLD."teacher_key";
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' OR OLD."rep_run_id" IS DISTINCT FROM NEW."rep_run_id" THEN
    INSERT INTO "configuration_dimension_keys" AS k ("team_id", "group_hash", "teacher_key", "dimension_values",
      "contexts", "seeds", "run_ids", "accuracies", "parameters", "bytes", "quantize", "dimension_labels",
      "dimension_texts")
    SELECT NEW."team_id", NEW."group_hash", NEW."teacher_key", d."dimension_values", d."contexts", '{}', '{}', '{}',
      NEW."parameters", NEW."bytes", NEW."quantize", l."labels", l."texts"
    FROM "runs" r
    LEFT JOIN "runs" p ON p."id" = r."parent_id"
    CROSS JOIN LATERAL "configuration_dimension_keys_of"(r."kind", r."config", p."config", NEW."teacher_key") d
    CROSS JOIN LATERAL "configuration_dimension_labels_of"(d."dimension_values") l
    WHERE r."id" = NEW."rep_run_id"
    ON CONFLICT ("team_id", "group_hash", "teacher_key") DO UPDATE
    SET "dimension_values" = EXCLUDED."dimension_values", "contexts" = EXCLUDED."contexts",
      "dimension_labels" = EXCLUDED."dimension_labels", "dimension_texts" = EXCLUDED."dimension_texts"
    WHERE (k."dimension_values", k."contexts") IS DISTINCT FROM (EXCLUDED."dimension_values", EXCLUDED."contexts");
  END IF;
  UPDATE "configuration_dimension_keys" k SET "seeds" = f."seeds", "run_ids" = f."run_ids",
    "accuracies" = f."accuracies", "parameters" = NEW."parameters", "bytes" = NEW."bytes",
    "quantize" = NEW."quantize"
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

-- Backfill: every configuration's row, in one pass.
UPDATE "configuration_dimension_keys" k SET "parameters" = c."parameters", "bytes" = c."bytes",
  "quantize" = c."quantize", ("dimension_labels", "dimension_texts") = (
    SELECT l."labels", l."texts" FROM "configuration_dimension_labels_of"(k."dimension_values") l)
FROM "configuration_stats" c
WHERE c."team_id" = k."team_id" AND c."group_hash" = k."group_hash" AND c."teacher_key" = k."teacher_key";

ALTER TABLE "configuration_dimension_keys" ALTER COLUMN "parameters" DROP DEFAULT,
ALTER COLUMN "bytes" DROP DEFAULT;
