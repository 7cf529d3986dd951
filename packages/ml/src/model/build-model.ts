import {
  apluHinges,
  type DatasetShape,
  DEFAULT_CONVS_PER_BLOCK,
  DEFAULT_KERNEL,
  DEFAULT_SMH_SCALE,
  type ModelSpec,
  modelSmhPool,
  normalizeActivation,
  SMH_POOL_LAYER,
} from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { RunConfigError } from '../errors.ts';
import { APLU } from '../layers/aplu.ts';
import { TrainingBatchNormalization } from '../layers/batch-norm.ts';
import { ChannelPReLU } from '../layers/channel-prelu.ts';
import { LMA } from '../layers/lma.ts';
import { SmhConv2D } from '../layers/smh-conv2d.ts';
import { SmhDense } from '../layers/smh-dense.ts';
import { SmhPool } from '../layers/smh-pool.ts';
import { TrainableSwish } from '../layers/trainable-swish.ts';
import { deriveSeed } from '../random/prng.ts';

/**
 * BatchNorm settings of PyTorch's defaults, which the paper's code used (momentum 0.1 there is 0.9 here:
 * tfjs/Keras weight the old value), rather than tfjs's 0.99 / 1e-3.
 */
export const BATCH_NORM = { momentum: 0.9, epsilon: 1e-5 } as const;

/** How a model consumes a batch: MLPs take flat rows, CNNs images. */
export function inputLayout(model: ModelSpec): 'flat' | 'image' {
  return model.family === 'mlp' ? 'flat' : 'image';
}

/**
 * Builds the model of `spec` for inputs of `data.shape`: layers named and ordered as packages/spec's
 * `modelTensors` lists their weights (dense_1, batch_normalization_1, lma_1, …). The output layer gives logits
 * (no softmax; the losses apply it). Weight initialisers are seeded from `seed`, so the same seed builds the
 * same weights.
 *
 * mlp: [dense → BatchNorm? → activation] per hidden width → dense(classes).
 * cnn: per block, `convsPerBlock` × [conv 'same' → BatchNorm? → activation], then 2×2 max-pool; flatten;
 *      [dense → BatchNorm? → activation] per `dense` width → dense(classes).
 *
 * With `spec.smh` the same layers, but every conv and dense layer is an `SmhConv2D` / `SmhDense` that takes its
 * kernel from one `SmhPool` (`smh_pool_1`, fed by the model input) instead of storing it: a functional model,
 * input → pool, and each SMH layer applied to [previous output, pool].
 */
export function buildModel(spec: ModelSpec, data: DatasetShape, seed: number): tf.LayersModel {
  const counters = new Map<string, number>();
  const name = (kind: string) => {
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    return `${kind}_${n}`;
  };
  const activation = normalizeActivation(spec.activation);
  const layers: tf.layers.Layer[] = [];
  const kernelInit = (layer: string) => tf.initializers.glorotUniform({ seed: deriveSeed(seed, 'init', layer) });
  const pool = modelSmhPool(spec, data);
  if (pool && pool.k < 1) {
    throw new RunConfigError(
      `model.smh.fraction ${spec.smh?.fraction} gives the pool no columns (k = 0) for ${pool.poolSize} kernel values`,
    );
  }
  const learnableScale = (spec.smh?.scale ?? DEFAULT_SMH_SCALE) === 'var_fanout';
  const smhOffset = (layer: string) => {
    const slice = pool?.slices.find((s) => s.layer === layer);
    if (!slice) throw new Error(`no SMH slice for layer ${layer}`);
    return slice.offset;
  };

  const normAndActivation = () => {
    if (spec.batchNorm) {
      layers.push(new TrainingBatchNormalization({ name: name('batch_normalization'), ...BATCH_NORM }));
    }
    switch (activation.name) {
      case 'relu':
        layers.push(tf.layers.reLU({ name: name('relu') }));
        return;
      case 'prelu':
        layers.push(new ChannelPReLU({ name: name('prelu'), slopes: activation.slopes }));
        return;
      case 'swish':
        layers.push(new TrainableSwish({ name: name('swish'), betas: activation.beta }));
        return;
      case 'aplu': {
        const n = name('aplu');
        const hinges = apluHinges(activation.segments);
        layers.push(new APLU({ name: n, hinges, init: activation.init, seed: deriveSeed(seed, 'init', n) }));
        return;
      }
      case 'lma':
        layers.push(new LMA({ name: name('lma'), segments: activation.segments, statistics: activation.statistics }));
        return;
    }
  };
  const dense = (units: number, inputShape?: number[]) => {
    const n = name('dense');
    if (pool) {
      layers.push(new SmhDense({ name: n, units, offset: smhOffset(n), learnableScale }));
      return;
    }
    layers.push(
      tf.layers.dense({
        name: n,
        units,
        kernelInitializer: kernelInit(n),
        biasInitializer: 'zeros',
        ...(inputShape ? { inputShape } : {}),
      }),
    );
  };

  const features = data.shape[0] * data.shape[1] * data.shape[2];
  if (spec.family === 'mlp') {
    spec.hidden.forEach((units, i) => {
      dense(units, i === 0 ? [features] : undefined);
      normAndActivation();
    });
  } else {
    const kernelSize = spec.kernel ?? DEFAULT_KERNEL;
    let first = true;
    for (const filters of spec.channels) {
      for (let i = 0; i < (spec.convsPerBlock ?? DEFAULT_CONVS_PER_BLOCK); i++) {
        const n = name('conv2d');
        layers.push(
          pool
            ? new SmhConv2D({ name: n, filters, kernelSize, offset: smhOffset(n), learnableScale })
            : tf.layers.conv2d({
                name: n,
                filters,
                kernelSize,
                padding: 'same',
                kernelInitializer: kernelInit(n),
                biasInitializer: 'zeros',
                ...(first ? { inputShape: [...data.shape] } : {}),
              }),
        );
        first = false;
        normAndActivation();
      }
      layers.push(tf.layers.maxPooling2d({ name: name('max_pooling2d'), poolSize: 2, strides: 2, padding: 'valid' }));
    }
    layers.push(tf.layers.flatten({ name: name('flatten') }));
    for (const units of spec.dense) {
      dense(units);
      normAndActivation();
    }
  }
  dense(data.classes, spec.family === 'mlp' && spec.hidden.length === 0 ? [features] : undefined);
  if (!pool) return tf.sequential({ name: 'model', layers });

  const input = tf.input({ name: 'input', shape: spec.family === 'mlp' ? [features] : [...data.shape] });
  const z = new SmhPool({
    name: SMH_POOL_LAYER,
    rows: pool.m,
    columns: pool.k,
    seed: deriveSeed(seed, 'init', SMH_POOL_LAYER),
  }).apply(input) as tf.SymbolicTensor;
  let h = input;
  for (const layer of layers) {
    const smh = layer instanceof SmhDense || layer instanceof SmhConv2D;
    h = layer.apply(smh ? [h, z] : h) as tf.SymbolicTensor;
  }
  return tf.model({ name: 'model', inputs: input, outputs: h });
}
