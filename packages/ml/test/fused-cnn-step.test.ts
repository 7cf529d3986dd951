import type { ModelSpec, TrainSpec } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/load-dataset.ts';
import { makeBatch, type RunData, selectRunData } from '../src/data/run-data.ts';
import { FusedMlpStep, fusedMlpStep } from '../src/fast/fused-mlp-step.ts';
import { buildModel } from '../src/index.ts';
import { mulberry32, normal } from '../src/random/prng.ts';
import type { TrainingState } from '../src/train/checkpoint.ts';
import { evaluate } from '../src/train/evaluate.ts';
import { kdLoss } from '../src/train/kd-loss.ts';
import { chooseTrainingStep, type TrainOptions, trainModel } from '../src/train/train-model.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const dataset = { name: 'mnist', limit: { train: 256, test: 200 }, validation: 0.25 } as const;
let cached: RunData | null = null;
const runData = () => {
  cached ??= selectRunData(loadDataset(dataset), dataset);
  return cached;
};

const sgd: TrainSpec = { epochs: 2, batchSize: 32, optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 } };

/** Fixed stand-in teacher logits for the KD loss (a trained teacher's scale). */
function teacherLogits(rows: number, classes: number): Float32Array {
  const random = mulberry32(99);
  return Float32Array.from({ length: rows * classes }, () => 3 * normal(random));
}

/**
 * Largest error relative to the tensor's largest value (at least 0.05): a convolution's gradient sums thousands
 * of terms, and the bias of a convolution before BatchNorm has a gradient that is zero but for rounding (~1e-5
 * here on either path); the BatchNorm-free case checks biases at their real scale.
 */
function worstOfScale(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let scale = 5e-2;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return worst / scale;
}

function worstRelative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i] as number;
    worst = Math.max(worst, Math.abs((actual[i] as number) - e) / Math.max(1e-2, Math.abs(e)));
  }
  return worst;
}

const cnn = (channels: number[], activation: unknown, extra: Partial<ModelSpec> = {}): ModelSpec =>
  ({ family: 'cnn', channels, dense: [], activation, batchNorm: true, ...extra }) as ModelSpec;

// The students of the family and what they vary: channel counts (1→4→8 with SIMD blocks of 4 and 8, 1→3→5
// and 5 with scalar tails), BatchNorm or not, a dense layer after the flatten, two convolutions per block, a
// 5×5 and an even 2×2 kernel (asymmetric 'same' padding), and every activation, per channel and per layer.
const cases: Array<[string, ModelSpec]> = [
  ['c4-c8, BatchNorm, relu', cnn([4, 8], 'relu')],
  ['c8-c16, BatchNorm, lma-8', cnn([8, 16], { name: 'lma', segments: 8 })],
  ['c16-c32 without BatchNorm, relu', cnn([16, 32], 'relu', { batchNorm: false, kernel: 3 })],
  ['c3-c5 with a dense layer of 12, swish per channel', cnn([3, 5], { name: 'swish', beta: 'unit' }, { dense: [12] })],
  ['c5 with two convolutions per block, prelu', cnn([5], { name: 'prelu', slopes: 'channel' }, { convsPerBlock: 2 })],
  ['c4 with prelu shared by the layer', cnn([4], { name: 'prelu', slopes: 'layer' })],
  ['c4-c8 with swish shared by the layer', cnn([4, 8], { name: 'swish', beta: 'layer' })],
  ['c4-c8 with 5×5 kernels, swish', cnn([4, 8], { name: 'swish', beta: 'unit' }, { kernel: 5 })],
  ['c4 with a 2×2 kernel, aplu-8', cnn([4], { name: 'aplu', segments: 8, init: 'random' }, { kernel: 2 })],
];

/** Moves parameterised activations off their start so their gradients are not degenerate. */
function perturb(model: tf.LayersModel, seed: number): void {
  const random = mulberry32(seed);
  tf.tidy(() => {
    for (const w of model.trainableWeights) {
      if (/\/(kernel|bias)$/.test(w.originalName)) continue;
      const v = w.read().dataSync() as Float32Array;
      w.write(
        tf.tensor(
          Float32Array.from(v, (x) => x + 0.3 * normal(random)),
          w.shape as number[],
        ),
      );
    }
  });
}

describe('the fused CNN training step', () => {
  it.each(cases)('gives the reference path’s logits, loss and gradients for %s (with and without KD)', (_, spec) => {
    const data = runData();
    const rows = 16;
    const positions = Int32Array.from({ length: rows }, (_, i) => i * 5);
    const classes = data.dataset.classes;
    for (const withTeacher of [false, true]) {
      const teacher = withTeacher ? teacherLogits(data.train.indices.length, classes) : null;
      const distill = withTeacher ? { temperature: 4, alpha: 0.7 } : null;
      const fastModel = buildModel(spec, data.dataset, 3);
      const refModel = buildModel(spec, data.dataset, 3);
      perturb(fastModel, 5);
      perturb(refModel, 5);
      const before = tf.memory().numTensors;
      const o = { data, layout: 'image', train: sgd, distill, teacherLogits: teacher, qat: null } as const;
      const step = fusedMlpStep({ ...o, model: fastModel });
      expect(step).toBeInstanceOf(FusedMlpStep);
      const fast = step as FusedMlpStep;
      expect(fast.path).toBe('fused-cnn');
      const { loss } = fast.computeGradients(positions, 0, rows);
      const { grads, logits } = fast.gradients(rows);
      fast.writeModel();
      fast.dispose();
      expect(tf.memory().numTensors).toBe(before);

      const rowOrder = Int32Array.from(positions, (p) => data.train.indices[p] as number);
      const batch = makeBatch(data.train, rowOrder, 0, rows, data.dataset, 'image');
      const t = teacher
        ? tf.tensor2d(
            Float32Array.from({ length: rows * classes }, (_, i) => {
              const r = Math.floor(i / classes);
              return teacher[(positions[r] as number) * classes + (i % classes)] as number;
            }),
            [rows, classes],
          )
        : null;
      const labels = tf.tensor1d(batch.labels, 'int32');
      let refLogits: Float32Array = new Float32Array();
      const variables = refModel.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads: refGrads } = tf.variableGrads(() => {
        const out = refModel.apply(batch.x, { training: true }) as tf.Tensor;
        refLogits = out.dataSync() as Float32Array;
        return kdLoss(out, labels, t, distill ?? { temperature: 1, alpha: 0 });
      }, variables);
      expect(worstRelative(logits, refLogits)).toBeLessThan(1e-4);
      expect(Math.abs(loss - (value.dataSync()[0] as number))).toBeLessThan(1e-4);
      variables.forEach((v, i) => {
        const name = refModel.trainableWeights[i]?.originalName;
        const expected = (refGrads[v.name] as tf.Tensor).dataSync();
        const worst = worstOfScale(grads[i] as Float32Array, expected);
        expect(worst, `${name}${withTeacher ? ' with KD' : ''}`).toBeLessThan(5e-4);
      });
      fastModel.weights.forEach((w, i) => {
        if (w.trainable) return;
        const ref = refModel.weights[i]?.read().dataSync() as Float32Array;
        expect(worstRelative(w.read().dataSync(), ref), w.originalName).toBeLessThan(1e-4);
      });
      tf.dispose([batch.x, labels, t, value, ...Object.values(refGrads)].filter((x): x is tf.Tensor => x !== null));
      fastModel.dispose();
      refModel.dispose();
    }
  });

  it('is chosen on wasm for CNN students, and not for a layout or model it does not cover', () => {
    const data = runData();
    const o = { data, layout: 'image', train: sgd, distill: null, teacherLogits: null, qat: null } as const;
    const model = buildModel(cnn([4, 8], 'relu'), data.dataset, 1);
    const step = chooseTrainingStep({ ...o, model });
    expect(step.path).toBe('fused-cnn');
    step.dispose();
    const reference = chooseTrainingStep({ ...o, model, path: 'reference' });
    expect(reference.path).toBe('reference');
    reference.dispose();
    // Structured Multi-Hashing takes every kernel from one shared pool: not a layout the fused step covers.
    const smh = buildModel(cnn([4, 8], 'relu', { smh: { fraction: 0.5 } }), data.dataset, 1);
    const smhStep = chooseTrainingStep({ ...o, model: smh });
    expect(smhStep.path).toBe('reference');
    smhStep.dispose();
    smh.dispose();
    model.dispose();
  });

  const trainings: Array<[string, ModelSpec, Partial<TrainOptions>, TrainSpec]> = [
    ['c4-c8, BatchNorm, relu, SGD with momentum', cnn([4, 8], 'relu'), {}, sgd],
    [
      'c4-c8, BatchNorm, lma-8, KD, Adam with weight decay on every tensor, QAT 4-bit',
      cnn([4, 8], { name: 'lma', segments: 8 }),
      // conv2d_1/kernel, conv2d_2/kernel, dense_1/kernel (positions in model.trainableWeights).
      { distill: { temperature: 4, alpha: 0.7 }, qat: { indices: [0, 6, 12], bits: 4, bucketSize: 64 } },
      {
        epochs: 2,
        batchSize: 32,
        optimizer: { name: 'adam', lr: 0.003, weightDecay: 1e-3, weightDecayOn: 'all' },
        schedule: { name: 'cosine' },
      },
    ],
  ];

  it.each(trainings)(
    'trains a seeded 2-epoch student (%s) to the reference path’s test accuracy',
    async (_, spec, extra, train) => {
      const data = runData();
      const classes = data.dataset.classes;
      const teacher = extra.distill ? teacherLogits(data.train.indices.length, classes) : null;
      const accuracy: Record<string, number> = {};
      for (const path of ['auto', 'reference'] as const) {
        const model = buildModel(spec, data.dataset, 7);
        const before = tf.memory().numTensors;
        const result = await trainModel({
          model,
          data,
          layout: 'image',
          train,
          seed: 7,
          distill: null,
          teacherLogits: teacher,
          qat: null,
          ...extra,
          path,
        });
        expect(result.path).toBe(path === 'auto' ? 'fused-cnn' : 'reference');
        expect(tf.memory().numTensors).toBe(before);
        accuracy[path] = (await evaluate(model, data.test, data.dataset, 'image')).accuracy;
        model.dispose();
      }
      expect(Math.abs((accuracy.auto as number) - (accuracy.reference as number))).toBeLessThanOrEqual(0.001);
    },
  );

  it('resumes from a checkpoint to the same bits as an uninterrupted fused run', async () => {
    const data = runData();
    const spec = cnn([4, 8], { name: 'lma', segments: 8, statistics: 'bias-corrected' });
    const train: TrainSpec = {
      epochs: 3,
      batchSize: 32,
      optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-3 },
      schedule: { name: 'plateau', patience: 0 },
    };
    const o = { data, layout: 'image', train, seed: 4, distill: null, teacherLogits: null, qat: null } as const;
    const states: TrainingState[] = [];
    const whole = buildModel(spec, data.dataset, 4);
    const uninterrupted = await trainModel({ ...o, model: whole, onState: async (s) => void states.push(s) });
    expect(uninterrupted.path).toBe('fused-cnn');
    const resumedModel = buildModel(spec, data.dataset, 4);
    const resumed = await trainModel({ ...o, model: resumedModel, resume: states[0] as TrainingState });
    expect(resumed.history.map((m) => m.trainLoss)).toEqual(uninterrupted.history.slice(1).map((m) => m.trainLoss));
    whole.weights.forEach((w, i) => {
      expect(Array.from(resumedModel.weights[i]?.read().dataSync() ?? []), w.originalName).toEqual(
        Array.from(w.read().dataSync()),
      );
    });
    whole.dispose();
    resumedModel.dispose();
  });
});
