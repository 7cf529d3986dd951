-- AlterTable
-- The class the run's model predicts for each test example, in test-row order, one byte each: what the agreement
-- between a configuration's replicates (the mean pairwise fraction of test examples predicted alike) is computed
-- from when results are read. NULL for results stored before it was recorded, and for data sets of more than 256
-- classes.
ALTER TABLE "results" ADD COLUMN "test_predictions" BYTEA;
