-- CreateTable
CREATE TABLE "configuration_stats" (
    "team_id" UUID NOT NULL,
    -- Byte-wise ("C"): configurations are grouped and paged by it, and the C collation sorts several times faster
    -- than the database's (not expressible in schema.prisma).
    "group_hash" TEXT COLLATE "C" NOT NULL,
    "teacher_key" TEXT NOT NULL,
    "teacher_id" UUID,
    -- Also "C": the frontier orders configurations by data set, then size (its index below serves that order).
    "dataset" TEXT COLLATE "C" NOT NULL,
    "kind" TEXT COLLATE "C" NOT NULL,
    "family" TEXT NOT NULL,
    "activation" TEXT NOT NULL,
    "activation_name" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "n" INTEGER NOT NULL,
    "accuracy_mean" DOUBLE PRECISION NOT NULL,
    "accuracy_std" DOUBLE PRECISION,
    "loss_mean" DOUBLE PRECISION NOT NULL,
    "loss_std" DOUBLE PRECISION,
    "parameters" DOUBLE PRECISION NOT NULL,
    "bytes" DOUBLE PRECISION NOT NULL,
    "latest_at" TIMESTAMPTZ(3) NOT NULL,
    "rep_run_id" UUID NOT NULL,
    "on_frontier" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "configuration_stats_pkey" PRIMARY KEY ("team_id", "group_hash", "teacher_key")
);

-- CreateIndex
CREATE INDEX "configuration_stats_frontier_idx" ON "configuration_stats"("team_id", "dataset", "bytes", "accuracy_mean" DESC, "group_hash", "teacher_key");

-- CreateIndex
CREATE INDEX "configuration_stats_team_id_on_frontier_dataset_bytes_idx" ON "configuration_stats"("team_id", "on_frontier", "dataset", "bytes");

-- CreateIndex
CREATE INDEX "configuration_stats_team_id_accuracy_mean_idx" ON "configuration_stats"("team_id", "accuracy_mean");

-- A data set's accuracy-versus-bytes Pareto frontier, marked on its configurations (`on_frontier`): ordered by
-- size, then mean accuracy (best first), group hash and teacher key, a configuration is on it when it is more
-- accurate than everything before it. Walked through the frontier index: from each point, the next is the
-- first larger configuration more accurate than it, so only the points and what lies between them are read.
CREATE FUNCTION "configuration_frontier_refresh"(p_team UUID, p_dataset TEXT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "configuration_stats" SET "on_frontier" = false
  WHERE "team_id" = p_team AND "on_frontier" AND "dataset" = p_dataset;
  WITH RECURSIVE "walk" AS (
    (SELECT c."group_hash", c."teacher_key", c."bytes", c."accuracy_mean" FROM "configuration_stats" c
     WHERE c."team_id" = p_team AND c."dataset" = p_dataset
     ORDER BY c."bytes", c."accuracy_mean" DESC, c."group_hash", c."teacher_key" LIMIT 1)
    UNION ALL
    SELECT n.* FROM "walk" w CROSS JOIN LATERAL (
      SELECT c."group_hash", c."teacher_key", c."bytes", c."accuracy_mean" FROM "configuration_stats" c
      WHERE c."team_id" = p_team AND c."dataset" = p_dataset AND c."bytes" > w."bytes"
        AND c."accuracy_mean" > w."accuracy_mean"
      ORDER BY c."bytes", c."accuracy_mean" DESC, c."group_hash", c."teacher_key" LIMIT 1
    ) n
  )
  UPDATE "configuration_stats" c SET "on_frontier" = true FROM "walk" w
  WHERE c."team_id" = p_team AND c."group_hash" = w."group_hash" AND c."teacher_key" = w."teacher_key";
END
$$;

-- CreateIndex
-- The team's results by accuracy, best first (the default order of `/v1/results/runs`): its CSV export reads them
-- through this in order, so the first rows leave before the last are found.
CREATE INDEX "result_facts_team_id_accuracy_run_id_idx" ON "result_facts"("team_id", "accuracy" DESC, "run_id");

-- One configuration's row recomputed from its facts (removed when it has none left), rather than kept as running
-- sums: a replaced replicate, a deleted result and an import then need no bookkeeping of their own, and the
-- numbers are exactly a re-grouping's (sums of floats kept across thousands of updates would drift). The
-- aggregates read the replicates in run id order so the same replicates always give the same bits.
--
-- Transactions completing runs of one configuration at the same time each recompute it: without the lock the one
-- committing last could write numbers computed before it could see the other's replicate. The lock (per team
-- and data set, since the frontier is kept per data set too) makes the second wait for the first to commit; its
-- next statements (new snapshots, READ COMMITTED) then see both. The frontier flags follow: recomputed when the
-- configuration was on the frontier or enters it, left alone when it stays dominated.
CREATE FUNCTION "configuration_stats_refresh"(p_team UUID, p_group TEXT, p_tkey TEXT) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_dataset TEXT;
  v_was_on BOOLEAN;
  v_row "configuration_stats"%ROWTYPE;
BEGIN
  SELECT f."dataset" INTO v_dataset FROM "result_facts" f
  WHERE f."team_id" = p_team AND f."group_hash" = p_group AND f."teacher_key" = p_tkey LIMIT 1;
  IF v_dataset IS NULL THEN
    SELECT c."dataset" INTO v_dataset FROM "configuration_stats" c
    WHERE c."team_id" = p_team AND c."group_hash" = p_group AND c."teacher_key" = p_tkey;
  END IF;
  IF v_dataset IS NULL THEN RETURN; END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('frontier:' || p_team::text || ':' || v_dataset, 0));
  SELECT c."on_frontier" INTO v_was_on FROM "configuration_stats" c
  WHERE c."team_id" = p_team AND c."group_hash" = p_group AND c."teacher_key" = p_tkey;
  INSERT INTO "configuration_stats" ("team_id", "group_hash", "teacher_key", "teacher_id", "dataset", "kind",
    "family", "activation", "activation_name", "method", "n", "accuracy_mean", "accuracy_std", "loss_mean",
    "loss_std", "parameters", "bytes", "latest_at", "rep_run_id")
  SELECT p_team, p_group, p_tkey, min(f."teacher_id"::text COLLATE "C")::uuid, min(f."dataset" COLLATE "C"),
    min(f."kind" COLLATE "C"), min(f."family" COLLATE "C"), min(f."activation" COLLATE "C"),
    min(f."activation_name" COLLATE "C"), min(f."method" COLLATE "C"), count(*)::int,
    avg(f."accuracy" ORDER BY f."run_id"), stddev_samp(f."accuracy" ORDER BY f."run_id"),
    avg(f."loss" ORDER BY f."run_id"), stddev_samp(f."loss" ORDER BY f."run_id"),
    avg(f."parameters")::float8, avg(f."bytes")::float8, max(f."created_at"),
    min(f."run_id"::text COLLATE "C")::uuid
  FROM "result_facts" f
  WHERE f."team_id" = p_team AND f."group_hash" = p_group AND f."teacher_key" = p_tkey
  HAVING count(*) > 0
  ON CONFLICT ("team_id", "group_hash", "teacher_key") DO UPDATE SET "teacher_id" = EXCLUDED."teacher_id",
    "dataset" = EXCLUDED."dataset", "kind" = EXCLUDED."kind", "family" = EXCLUDED."family",
    "activation" = EXCLUDED."activation", "activation_name" = EXCLUDED."activation_name",
    "method" = EXCLUDED."method", "n" = EXCLUDED."n", "accuracy_mean" = EXCLUDED."accuracy_mean",
    "accuracy_std" = EXCLUDED."accuracy_std", "loss_mean" = EXCLUDED."loss_mean", "loss_std" = EXCLUDED."loss_std",
    "parameters" = EXCLUDED."parameters", "bytes" = EXCLUDED."bytes", "latest_at" = EXCLUDED."latest_at",
    "rep_run_id" = EXCLUDED."rep_run_id";
  IF NOT FOUND THEN
    DELETE FROM "configuration_stats"
    WHERE "team_id" = p_team AND "group_hash" = p_group AND "teacher_key" = p_tkey;
    IF v_was_on THEN PERFORM "configuration_frontier_refresh"(p_team, v_dataset); END IF;
    RETURN;
  END IF;
  IF v_was_on THEN
    PERFORM "configuration_frontier_refresh"(p_team, v_dataset);
    RETURN;
  END IF;
  -- Not on the frontier before, so it raised no running maximum: the others' places hold. It stays off while a
  -- point before it (in the frontier's order) is at least as accurate; else it enters and may push points out.
  SELECT * INTO v_row FROM "configuration_stats" c
  WHERE c."team_id" = p_team AND c."group_hash" = p_group AND c."teacher_key" = p_tkey;
  IF NOT EXISTS (
    SELECT 1 FROM "configuration_stats" p
    WHERE p."team_id" = p_team AND p."on_frontier" AND p."dataset" = v_dataset
      AND p."accuracy_mean" >= v_row."accuracy_mean"
      AND (p."bytes" < v_row."bytes" OR (p."bytes" = v_row."bytes" AND (p."accuracy_mean" > v_row."accuracy_mean"
        OR (p."group_hash", p."teacher_key") < (v_row."group_hash", v_row."teacher_key"))))
  ) THEN
    PERFORM "configuration_frontier_refresh"(p_team, v_dataset);
  END IF;
END
$$;

-- Every change of a fact (a result stored, a replicate replaced by a newer result, a result deleted, whatever code
-- path did it) recomputes the configurations it leaves and enters, in the same transaction. Of two, the one with
-- the smaller key first, so transactions moving facts between the same two configurations lock them in one order.
CREATE FUNCTION "result_facts_refresh_configuration"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_key TEXT;
  new_key TEXT;
BEGIN
  IF TG_OP <> 'INSERT' THEN old_key := OLD."team_id"::text || ':' || OLD."group_hash" || ':' || OLD."teacher_key"; END IF;
  IF TG_OP <> 'DELETE' THEN new_key := NEW."team_id"::text || ':' || NEW."group_hash" || ':' || NEW."teacher_key"; END IF;
  IF new_key IS NULL OR (old_key IS NOT NULL AND old_key COLLATE "C" < new_key COLLATE "C") THEN
    PERFORM "configuration_stats_refresh"(OLD."team_id", OLD."group_hash", OLD."teacher_key");
    IF new_key IS NOT NULL THEN
      PERFORM "configuration_stats_refresh"(NEW."team_id", NEW."group_hash", NEW."teacher_key");
    END IF;
  ELSE
    PERFORM "configuration_stats_refresh"(NEW."team_id", NEW."group_hash", NEW."teacher_key");
    IF old_key IS NOT NULL AND old_key <> new_key THEN
      PERFORM "configuration_stats_refresh"(OLD."team_id", OLD."group_hash", OLD."teacher_key");
    END IF;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "result_facts_refresh_configuration" AFTER INSERT OR UPDATE OR DELETE ON "result_facts"
  FOR EACH ROW EXECUTE FUNCTION "result_facts_refresh_configuration"();

-- Backfill: every configuration of the facts stored before this migration, in one pass.
INSERT INTO "configuration_stats" ("team_id", "group_hash", "teacher_key", "teacher_id", "dataset", "kind",
  "family", "activation", "activation_name", "method", "n", "accuracy_mean", "accuracy_std", "loss_mean",
  "loss_std", "parameters", "bytes", "latest_at", "rep_run_id")
SELECT f."team_id", f."group_hash", f."teacher_key", min(f."teacher_id"::text COLLATE "C")::uuid,
  min(f."dataset" COLLATE "C"), min(f."kind" COLLATE "C"), min(f."family" COLLATE "C"),
  min(f."activation" COLLATE "C"), min(f."activation_name" COLLATE "C"), min(f."method" COLLATE "C"), count(*)::int,
  avg(f."accuracy" ORDER BY f."run_id"), stddev_samp(f."accuracy" ORDER BY f."run_id"),
  avg(f."loss" ORDER BY f."run_id"), stddev_samp(f."loss" ORDER BY f."run_id"),
  avg(f."parameters")::float8, avg(f."bytes")::float8, max(f."created_at"), min(f."run_id"::text COLLATE "C")::uuid
FROM "result_facts" f
GROUP BY f."team_id", f."group_hash", f."teacher_key";

-- And every data set's frontier.
SELECT "configuration_frontier_refresh"(d."team_id", d."dataset")
FROM (SELECT DISTINCT "team_id", "dataset" FROM "configuration_stats") d;
