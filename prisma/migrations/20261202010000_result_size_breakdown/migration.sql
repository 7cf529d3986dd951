-- The measured size of a result's packed weights split into integer codes, bucket headers and float32 tensors,
-- with the fraction of values quantized (packages/spec SizeBreakdown, validated by zod where it is read).
-- NULL for results recorded before the breakdown was measured.
ALTER TABLE "results" ADD COLUMN "size_breakdown" JSONB;
