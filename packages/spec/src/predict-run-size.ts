import { datasetShape } from './dataset-spec.ts';
import { runModelTensors } from './imported-model.ts';
import { modelSize, type SizeBreakdown } from './model-size.ts';
import { tensorSize } from './model-tensors.ts';
import { type RunConfig, runBits } from './run-config.ts';

/**
 * A run's size predicted from its configuration, before training: the packed weights' bytes split into codes,
 * bucket headers and float tensors with the fraction of values quantized (`SizeBreakdown`), the parameter count
 * and the bit width.
 */
export interface PredictedSize extends SizeBreakdown {
  /** Stored values (trainable and not). */
  parameters: number;
  /** 32, or the quantization's bits. */
  bits: number;
}

/** Pure: the same for a stored run's config as at expansion (legacy keepFloat values keep their meaning). */
export function predictRunSize(config: Pick<RunConfig, 'dataset' | 'model' | 'quantize'>): PredictedSize {
  const tensors = runModelTensors(config.model, datasetShape(config.dataset));
  return {
    parameters: tensors.reduce((n, t) => n + tensorSize(t), 0),
    bits: runBits(config),
    ...modelSize(tensors, config.quantize ?? undefined),
  };
}
