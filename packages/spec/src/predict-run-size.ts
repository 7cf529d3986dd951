import { datasetShape } from './dataset-spec.ts';
import { runModelTensors } from './imported-model.ts';
import { modelSize, type SizeBreakdown } from './model-size.ts';
import { tensorSize } from './model-tensors.ts';
import { type RunConfig, runBits, type SynthesizeRunConfig } from './run-config.ts';
import { estimatedSurpSupport, nominalNonzeros, type SparseSupport } from './sparse-support.ts';
import { SYNTHETIC_LABEL_BYTES, type SyntheticData, syntheticDataBytes } from './student-data-spec.ts';

/**
 * A run's size predicted from its configuration, before training: the packed weights' bytes split into codes,
 * bucket headers, float tensors and sparse indices with the fraction of values quantized (`SizeBreakdown`), the
 * parameter count and the bit width.
 */
export interface PredictedSize extends SizeBreakdown {
  /** Stored values (trainable and not). */
  parameters: number;
  /** 32, or the quantization's bits. */
  bits: number;
  /**
   * false: the bytes are exactly what the run will pack. true: they depend on what the run finds, and the
   * prediction is an estimate — SuRP's coded stream, and the per-tensor survivor counts of a quantized pruned
   * student (global pruning decides how many survive in each tensor, and each tensor's codes and headers are
   * rounded up separately).
   */
  estimated: boolean;
}

/**
 * Pure: the same for a stored run's config as at expansion (legacy keepFloat values keep their meaning). With
 * `support` — what a pruning actually kept, read from the run's packed artifact or its parent's — the size is
 * exact for every run.
 */
export function predictRunSize(
  config: Pick<RunConfig, 'dataset' | 'model' | 'quantize' | 'prune'> & { data?: SyntheticData | undefined },
  support?: SparseSupport,
): PredictedSize {
  if (config.model === null) {
    if (!config.data) throw new Error('a run without a model is a synthesize run, and has data');
    return predictSynthesisSize({ dataset: config.dataset, data: config.data });
  }
  const tensors = runModelTensors(config.model, datasetShape(config.dataset));
  let sparse = support;
  let estimated = false;
  if (!sparse && config.prune) {
    const chained = config.quantize !== null;
    if (config.prune.method === 'surp' && !chained) {
      sparse = estimatedSurpSupport(tensors, config.prune.sparsity);
      estimated = true;
    } else {
      sparse = { layout: 'bitmap', nonzeros: nominalNonzeros(tensors, config.prune.sparsity) };
      estimated = chained || config.prune.method === 'surp';
    }
  }
  return {
    parameters: tensors.reduce((n, t) => n + tensorSize(t), 0),
    bits: runBits(config),
    ...modelSize(tensors, config.quantize ?? undefined, sparse),
    estimated,
  };
}

/**
 * A synthesize run's data set, in the same terms (its artifact is data, not weights): every input value one
 * 8-bit code (0..255 over [0, 1]), counted as `codeBytes` and `parameters`, and the labels (uint16) as
 * `headerBytes`. Exact: the artifact's payload is exactly these bytes.
 */
export function predictSynthesisSize(config: Pick<SynthesizeRunConfig, 'dataset' | 'data'>): PredictedSize {
  const { shape } = datasetShape(config.dataset);
  const features = shape[0] * shape[1] * shape[2];
  const values = config.data.samples * features;
  return {
    parameters: values,
    bits: 8,
    bytes: syntheticDataBytes(config.data, features),
    codeBytes: values,
    headerBytes: config.data.samples * SYNTHETIC_LABEL_BYTES,
    floatBytes: 0,
    quantizedValues: values,
    indexBytes: 0,
    prunedValues: 0,
    quantizedFraction: 1,
    estimated: false,
  };
}
