import { apluHinges, normalizeActivation } from './activation-spec.ts';
import type { DatasetShape } from './dataset-spec.ts';
import { DEFAULT_CONVS_PER_BLOCK, DEFAULT_KERNEL, type ModelSpec } from './model-spec.ts';
import { SMH_POOL_LAYER, type SmhPool, smhPool } from './smh-pool.ts';
import { DEFAULT_SMH_SCALE } from './smh-spec.ts';

/**
 * One weight tensor of a model, in the order the model stores them: tfjs's `model.weights` (and what
 * `model.save` writes) lists every trainable tensor first, layer by layer, then every non-trainable one
 * (BatchNorm moving statistics, LMA running μ/σ and step count), layer by layer. packages/ml builds models whose `weights`
 * match this list exactly, so sizes are known before training and the packed artifact can be checked against
 * them.
 */
export interface TensorInfo {
  /** `<layer>/<weight>`, e.g. `dense_1/kernel`, `lma_1/alpha`. */
  name: string;
  shape: number[];
  /** Non-trainable tensors (BatchNorm moving statistics, LMA running μ/σ) are never quantized. */
  trainable: boolean;
}

export function tensorSize(t: { shape: number[] }): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

/**
 * Every weight tensor of `model` on inputs of `data.shape`, with `data.classes` outputs. With `model.smh` the
 * kernels are virtual: in their place the pool layer's two factor matrices (`smh_pool_1/left` [m, k] and
 * `smh_pool_1/right` [k, m], first: the pool layer feeds every other) and, with the `var_fanout` scale, one
 * learnable scalar per kernel where the kernel was (`dense_1/scale` [1], before `dense_1/bias`).
 */
export function modelTensors(model: ModelSpec, data: DatasetShape): TensorInfo[] {
  const dense = denseModelTensors(model, data);
  if (!model.smh) return dense;
  const pool = smhPool(dense.filter(isDenseKernel), model.smh.fraction);
  const withScale = (model.smh.scale ?? DEFAULT_SMH_SCALE) === 'var_fanout';
  return [
    { name: `${SMH_POOL_LAYER}/left`, shape: [pool.m, pool.k], trainable: true },
    { name: `${SMH_POOL_LAYER}/right`, shape: [pool.k, pool.m], trainable: true },
    ...dense.flatMap((t) => {
      if (!isDenseKernel(t)) return [t];
      return withScale ? [{ name: t.name.replace(/\/kernel$/, '/scale'), shape: [1], trainable: true }] : [];
    }),
  ];
}

/** The SMH pool of `model` (which kernels it replaces, m, k), or null for a model without `smh`. */
export function modelSmhPool(model: ModelSpec, data: DatasetShape): SmhPool | null {
  if (!model.smh) return null;
  return smhPool(denseModelTensors(model, data).filter(isDenseKernel), model.smh.fraction);
}

function isDenseKernel(t: TensorInfo): boolean {
  return t.name.endsWith('/kernel');
}

/** The tensors of `model` with every kernel stored (SMH aside). */
function denseModelTensors(model: ModelSpec, data: DatasetShape): TensorInfo[] {
  const out: TensorInfo[] = [];
  const act = normalizeActivation(model.activation);
  const counters = new Map<string, number>();
  const layer = (kind: string) => {
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    return `${kind}_${n}`;
  };
  const add = (l: string, w: string, shape: number[], trainable = true) =>
    out.push({ name: `${l}/${w}`, shape, trainable });

  /** The tensors that follow a conv or dense layer of `units` outputs: BatchNorm, then the activation. */
  const normAndActivation = (units: number) => {
    if (model.batchNorm) {
      const bn = layer('batch_normalization');
      add(bn, 'gamma', [units]);
      add(bn, 'beta', [units]);
      add(bn, 'moving_mean', [units], false);
      add(bn, 'moving_variance', [units], false);
    }
    switch (act.name) {
      case 'relu':
        return;
      case 'prelu':
        add(layer('prelu'), 'alpha', [act.slopes === 'layer' ? 1 : units]);
        return;
      case 'swish':
        add(layer('swish'), 'beta', [act.beta === 'unit' ? units : 1]);
        return;
      case 'aplu': {
        const l = layer('aplu');
        const hinges = apluHinges(act.segments);
        add(l, 'alpha', [hinges, units]);
        add(l, 'offset', [hinges, units]);
        return;
      }
      case 'lma': {
        const l = layer('lma');
        const k = act.segments;
        add(l, 'alpha', [k]);
        add(l, 'beta', [k]);
        add(l, 'running_mean', [1], false);
        add(l, 'running_std', [1], false);
        // The step count the bias correction divides by, saved so a loaded model infers the same.
        if (act.statistics === 'bias-corrected') add(l, 'steps', [1], false);
        return;
      }
    }
  };
  const dense = (inputs: number, units: number) => {
    const l = layer('dense');
    add(l, 'kernel', [inputs, units]);
    add(l, 'bias', [units]);
  };

  const [h0, w0, c0] = data.shape;
  let features: number;
  if (model.family === 'mlp') {
    features = h0 * w0 * c0;
  } else {
    const k = model.kernel ?? DEFAULT_KERNEL;
    let [h, w, c] = [h0, w0, c0];
    for (const channels of model.channels) {
      for (let i = 0; i < (model.convsPerBlock ?? DEFAULT_CONVS_PER_BLOCK); i++) {
        const l = layer('conv2d');
        add(l, 'kernel', [k, k, c, channels]);
        add(l, 'bias', [channels]);
        normAndActivation(channels);
        c = channels;
      }
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
    features = h * w * c;
  }
  for (const units of model.family === 'mlp' ? model.hidden : model.dense) {
    dense(features, units);
    normAndActivation(units);
    features = units;
  }
  dense(features, data.classes);
  // tfjs order: trainable tensors first, then the non-trainable ones (each group in layer order).
  return [...out.filter((t) => t.trainable), ...out.filter((t) => !t.trainable)];
}

/** Values stored for the model (trainable and not), what "parameters" means in every result. */
export function parameterCount(model: ModelSpec, data: DatasetShape): number {
  return modelTensors(model, data).reduce((n, t) => n + tensorSize(t), 0);
}
