-- AlterTable
-- Which implementation of packages/ml's training step trained the result: 'reference' (tfjs-layers and the
-- autograd tape, any backend) or a fused SIMD path of the wasm backend ('fused-mlp', …). NULL where nothing was
-- trained (quantize-ptq, an imported teacher) and for results stored before it was recorded.
ALTER TABLE "results" ADD COLUMN "train_path" TEXT;
