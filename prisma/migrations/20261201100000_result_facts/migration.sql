-- CreateTable
CREATE TABLE "result_facts" (
    "run_id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "sweep_id" UUID NOT NULL,
    "group_hash" TEXT NOT NULL,
    "teacher_id" UUID,
    "kind" TEXT NOT NULL,
    "dataset" TEXT NOT NULL,
    "family" TEXT NOT NULL,
    "activation" TEXT NOT NULL,
    "activation_name" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "bits" INTEGER NOT NULL,
    "seed" INTEGER NOT NULL,
    "accuracy" DOUBLE PRECISION NOT NULL,
    "loss" DOUBLE PRECISION NOT NULL,
    "parameters" INTEGER NOT NULL,
    "bytes" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "result_facts_pkey" PRIMARY KEY ("run_id")
);

-- CreateIndex
CREATE INDEX "result_facts_team_id_dataset_idx" ON "result_facts"("team_id", "dataset");

-- CreateIndex
CREATE INDEX "result_facts_team_id_group_hash_idx" ON "result_facts"("team_id", "group_hash");

-- AddForeignKey
ALTER TABLE "result_facts" ADD CONSTRAINT "result_facts_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "results"("run_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Keep the read model (not expressible in schema.prisma): every insert or update of a result writes its fact row,
-- in the same transaction, whatever code path stored the result. The facts mirror packages/spec: `activation` is
-- activationLabel (`lma-8`), `method` is the quantization's or `none`, the teacher of a PTQ variant is its
-- student's parent.
CREATE FUNCTION "result_facts_refresh"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "result_facts" ("run_id", "team_id", "sweep_id", "group_hash", "teacher_id", "kind", "dataset",
    "family", "activation", "activation_name", "method", "bits", "seed", "accuracy", "loss", "parameters", "bytes",
    "created_at")
  SELECT NEW."run_id", r."team_id", r."sweep_id", r."group_hash",
    CASE r."kind" WHEN 'teacher' THEN NULL WHEN 'quantize-ptq' THEN p."parent_id" ELSE r."parent_id" END,
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
  WHERE r."id" = NEW."run_id"
  ON CONFLICT ("run_id") DO UPDATE SET "accuracy" = EXCLUDED."accuracy", "loss" = EXCLUDED."loss",
    "parameters" = EXCLUDED."parameters", "bytes" = EXCLUDED."bytes", "bits" = EXCLUDED."bits",
    "created_at" = EXCLUDED."created_at";
  RETURN NULL;
END
$$;

CREATE TRIGGER "results_refresh_fact" AFTER INSERT OR UPDATE ON "results"
  FOR EACH ROW EXECUTE FUNCTION "result_facts_refresh"();

-- Backfill: touching every result stored before this migration fires the trigger for it.
UPDATE "results" SET "run_id" = "run_id";
