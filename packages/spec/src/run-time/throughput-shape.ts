import { activationLabel } from '../activation-spec.ts';
import { datasetShape } from '../dataset-spec.ts';
import { DEFAULT_CONVS_PER_BLOCK, DEFAULT_KERNEL, type ModelSpec } from '../model-spec.ts';
import { isImportedTeacher, type RunConfig } from '../run-config.ts';

/**
 * What a run's time is spent on, per training row and epoch: cross-entropy training (`ce`, a teacher or a student
 * with α = 0), distillation against precomputed teacher logits (`kd`) or CREMBO's per-depth labels (`crembo`),
 * quantized distillation (`qat`, and `pq` with its codebooks), pruning with retraining (`prune`), or no training at
 * all (`ptq`: quantize and evaluate).
 */
export const RUN_WORKS = ['ce', 'kd', 'crembo', 'qat', 'pq', 'prune', 'ptq'] as const;
export type RunWork = (typeof RUN_WORKS)[number];

/**
 * The shape a throughput is recorded for: runs of one shape cost the same per training row and epoch on one
 * backend — same work, layers, activation, BatchNorm, input and batch size (the seed, learning rate, data set
 * contents and bits do not change the cost of a step).
 */
export interface ThroughputShape {
  /** `kd mlp 784-16-16-10 lma-8 bn b64`: work, family, layer widths (input to output), activation, BN, batch. */
  key: string;
  work: RunWork;
  family: ModelSpec['family'];
  /** Multiply-accumulates of one sample's forward pass (dense and conv layers): what extrapolation scales by. */
  forwardMacs: number;
}

/**
 * The throughput shape of a run; null for an imported teacher (evaluated, never trained here) and a synthesize
 * run (it optimises inputs, not a model: no recorded training rate describes it, so it has no estimate).
 */
export function throughputShape(config: RunConfig): ThroughputShape | null {
  if (isImportedTeacher(config) || config.kind === 'synthesize') return null;
  const work = runWork(config);
  const { model } = config;
  const data = datasetShape(config.dataset);
  const { layers, macs } = layerWidths(model, data.shape, data.classes);
  const parts = [
    work,
    model.family,
    layers,
    activationLabel(model.activation),
    model.batchNorm ? 'bn' : 'no-bn',
    ...(model.smh ? [`smh-${model.smh.fraction}`] : []),
    ...(config.train ? [`b${config.train.batchSize}`] : []),
  ];
  return { key: parts.join(' '), work, family: model.family, forwardMacs: macs };
}

function runWork(config: Exclude<RunConfig, { model: { family: 'imported' } | null }>): RunWork {
  switch (config.kind) {
    case 'teacher':
      return 'ce';
    case 'student':
      if (config.distill.method === 'crembo') return 'crembo';
      return config.distill.alpha > 0 ? 'kd' : 'ce';
    case 'quantize-qat':
      return config.quantize.method === 'pq' ? 'pq' : 'qat';
    case 'prune':
      return 'prune';
    case 'quantize-ptq':
      return 'ptq';
  }
}

/** `784-16-16-10`, or `28x28x1 c16.32 k3 d64-10` for a CNN; with the forward pass's multiply-accumulates. */
function layerWidths(
  model: ModelSpec,
  [h0, w0, c0]: [number, number, number],
  classes: number,
): { layers: string; macs: number } {
  let macs = 0;
  let features: number;
  let head: string;
  if (model.family === 'mlp') {
    features = h0 * w0 * c0;
    head = String(features);
  } else {
    const k = model.kernel ?? DEFAULT_KERNEL;
    const convs = model.convsPerBlock ?? DEFAULT_CONVS_PER_BLOCK;
    let [h, w, c] = [h0, w0, c0];
    for (const channels of model.channels) {
      for (let i = 0; i < convs; i++) {
        macs += h * w * k * k * c * channels; // 'same' padding, stride 1
        c = channels;
      }
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
    features = h * w * c;
    head = `${h0}x${w0}x${c0} c${model.channels.join('.')} k${k}${convs === 1 ? '' : ` x${convs}`} d${features}`;
  }
  const widths = [...(model.family === 'mlp' ? model.hidden : model.dense), classes];
  for (const units of widths) {
    macs += features * units;
    features = units;
  }
  return { layers: [head, ...widths].join('-'), macs };
}
