import { z } from 'zod';
import type { DatasetShape } from './dataset-spec.ts';
import type { ModelSpec } from './model-spec.ts';
import { modelTensors, type TensorInfo } from './model-tensors.ts';

/** A path as a sweep may write it (the same bound as `dataset.path`). */
const ArtifactPath = z.string().min(1).max(4096);

/**
 * `teacher.model` of a teacher you bring: a TensorFlow.js layers model folder (`model.json` and the weight
 * files its manifest lists, as `tensorflowjs_converter` writes a Keras model), confined to the data roots
 * like `dataset.path`. It is evaluated once, not trained.
 */
export const ImportedModelSpec = z.strictObject({
  artifact: ArtifactPath.describe('Folder holding `model.json` and its weight files.'),
});
export type ImportedModelSpec = z.infer<typeof ImportedModelSpec>;

/** One weight tensor of an imported model, as its manifest lists it. */
export const ImportedTensor = z.strictObject({
  name: z.string().min(1).max(512).describe("The tensor's name in the weights manifest."),
  shape: z.array(z.int().min(0)).max(8).describe("The tensor's shape."),
  trainable: z
    .boolean()
    .describe('The manifest does not say; taken as trainable (an imported teacher is never quantized or trained).'),
});
export type ImportedTensor = z.infer<typeof ImportedTensor>;

/**
 * The `model` of an imported teacher's run config: the path, plus what the API read from the files at
 * submission — their digest (the teacher's identity: the same bytes at another path are the same teacher) and
 * the weight tensors (the predicted size). Both are null when the API could not read the files (they may live
 * only where the workers run); the run then reads them at its start, and is identified by its path.
 */
export const ImportedModel = z.strictObject({
  family: z.literal('imported').describe('imported: a teacher from a TensorFlow.js layers model folder.'),
  artifact: ArtifactPath.describe('The folder holding `model.json` and its weight files.'),
  digest: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable()
    .describe('sha256 (hex) of model.json and its weight files, `teacherArtifactDigest`.'),
  tensors: z
    .array(ImportedTensor)
    .max(100_000)
    .nullable()
    .describe("The manifest's tensors; null before the artifact was read."),
});
export type ImportedModel = z.infer<typeof ImportedModel>;

/**
 * The weight tensors of a run's model: built ones from their spec, an imported teacher's from its manifest as
 * read at submission (none when the API could not read it: its size is then measured, not predicted).
 */
export function runModelTensors(model: ModelSpec | ImportedModel, data: DatasetShape): TensorInfo[] {
  if (model.family === 'imported') return model.tensors ?? [];
  return modelTensors(model, data);
}
