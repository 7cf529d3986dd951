import { z } from 'zod';
import { IdParams } from './id-params.ts';

/**
 * The files a finished run serves: its model as a standard tfjs-layers model (`model.json`, which names its
 * weights `model.weights.bin`: float32, quantized tensors dequantized), and the packed artifact as stored
 * (`packed.json`: the `distillery-model` v1 manifest; `packed.bin`: the packed weights whose length is the
 * run's measured size). A synthesize run serves its data set instead: `dataset.json` (shape, classes, how it was
 * made), `inputs.bin` (one byte per input value, ×255) and `labels.bin` (uint16 little-endian per sample).
 */
export const MODEL_ARTIFACT_NAMES = ['model.json', 'model.weights.bin', 'packed.json', 'packed.bin'] as const;
export const DATASET_ARTIFACT_NAMES = ['dataset.json', 'inputs.bin', 'labels.bin'] as const;
export const ARTIFACT_NAMES = [...MODEL_ARTIFACT_NAMES, ...DATASET_ARTIFACT_NAMES] as const;
export const ArtifactName = z.enum(ARTIFACT_NAMES);
export type ArtifactName = z.infer<typeof ArtifactName>;

/**
 * `:id/artifacts/:name`. The name is any string here: one a run does not serve answers 404 naming the ones it
 * does, like a missing file would.
 */
export const RunArtifactParams = IdParams.extend({
  name: z
    .string()
    .min(1)
    .max(200)
    .describe(`One of ${ARTIFACT_NAMES.join(', ')}.`),
});
export type RunArtifactParams = z.infer<typeof RunArtifactParams>;
