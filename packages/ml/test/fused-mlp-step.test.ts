import { isKernel, type ModelSpec, type TrainSpec } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../src/data/load-dataset.ts';
import { makeBatch, type RunData, selectRunData } from '../src/data/run-data.ts';
import { FusedMlpStep, fusedMlpStep } from '../src/fast/fused-mlp-step.ts';
import { buildModel } from '../src/index.ts';
import { fakeQuantize } from '../src/quantize/bucket-quantize.ts';
import { mulberry32, normal } from '../src/random/prng.ts';
import type { TrainingState } from '../src/train/checkpoint.ts';
import { evaluate } from '../src/train/evaluate.ts';
import { kdLoss } from '../src/train/kd-loss.ts';
import { chooseTrainingStep, type TrainOptions, trainModel } from '../src/train/train-model.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const dataset = { name: 'mnist', limit: { train: 384, test: 200 }, validation: 0.25 } as const;
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

function worstRelative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i] as number;
    worst = Math.max(worst, Math.abs((actual[i] as number) - e) / Math.max(1e-2, Math.abs(e)));
  }
  return worst;
}

const mlp = (activation: unknown, batchNorm = true): ModelSpec =>
  ({ family: 'mlp', hidden: [12, 8], activation, batchNorm }) as ModelSpec;

const cases: Array<[string, ModelSpec]> = [
  ['relu with BatchNorm', mlp('relu')],
  ['relu without BatchNorm', mlp('relu', false)],
  ['lma-8 (moving-average statistics)', mlp({ name: 'lma', segments: 8 })],
  ['lma-8 with bias-corrected statistics', mlp({ name: 'lma', segments: 8, statistics: 'bias-corrected' })],
  [
    'lma-4 with recalibrated statistics, no BatchNorm',
    mlp({ name: 'lma', segments: 4, statistics: 'recalibrate' }, false),
  ],
  ['prelu per channel', mlp({ name: 'prelu', slopes: 'channel' })],
  ['prelu shared by the layer', mlp({ name: 'prelu', slopes: 'layer' }, false)],
  ['swish with one β per layer', mlp({ name: 'swish', beta: 'layer' })],
  ['swish with one β per unit', mlp({ name: 'swish', beta: 'unit' }, false)],
  ['aplu-8 (random hinges)', mlp({ name: 'aplu', segments: 8, init: 'random' })],
];

const kernelIndices = (model: tf.LayersModel) =>
  model.weights.flatMap((w, i) => (isKernel({ name: w.originalName }) ? [i] : []));

/** Moves parameterised activations off their start so their gradients are not degenerate. */
function perturb(model: tf.LayersModel, seed: number): void {
  const random = mulberry32(seed);
  tf.tidy(() => {
    for (const w of model.trainableWeights) {
      if (/\/(kernel|bias)$/.test(w.originalName)) continue;
      const v = w.read().dataSync() as Float32Array;
      const moved = Float32Array.from(v, (x) => x + 0.3 * normal(random));
      w.write(tf.tensor(moved, w.shape as number[]));
    }
  });
}

describe('the fused MLP training step', () => {
  it.each(cases)('gives the reference path’s logits, loss and gradients for %s (with and without KD)', (_, spec) => {
    const data = runData();
    const rows = 32;
    const positions = Int32Array.from({ length: rows }, (_, i) => i * 3);
    const classes = data.dataset.classes;
    for (const withTeacher of [false, true]) {
      const teacher = withTeacher ? teacherLogits(data.train.indices.length, classes) : null;
      const distill = withTeacher ? { temperature: 4, alpha: 0.7 } : null;
      const fastModel = buildModel(spec, data.dataset, 3);
      const refModel = buildModel(spec, data.dataset, 3);
      perturb(fastModel, 5);
      perturb(refModel, 5);
      const before = tf.memory().numTensors;
      const o = { data, layout: 'flat', train: sgd, distill, teacherLogits: teacher, qat: null } as const;
      const step = fusedMlpStep({ ...o, model: fastModel });
      expect(step).toBeInstanceOf(FusedMlpStep);
      const fast = step as FusedMlpStep;
      const { loss } = fast.computeGradients(positions, 0, rows);
      const { grads, logits } = fast.gradients(rows);
      fast.writeModel();
      fast.dispose();
      expect(tf.memory().numTensors).toBe(before);

      const rowOrder = Int32Array.from(positions, (p) => data.train.indices[p] as number);
      const batch = makeBatch(data.train, rowOrder, 0, rows, data.dataset, 'flat');
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
        const worst = worstRelative(grads[i] as Float32Array, (refGrads[v.name] as tf.Tensor).dataSync());
        expect(worst, `${name}${withTeacher ? ' with KD' : ''}`).toBeLessThan(2e-3);
      });
      // The statistics' moving averages advanced as the layers advance them.
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

  it('computes a QAT step with the kernels that qat.indices name (positions in model.weights) fake-quantized', async () => {
    const data = runData();
    const spec = mlp({ name: 'lma', segments: 8 });
    const rows = 32;
    const positions = Int32Array.from({ length: rows }, (_, i) => i);
    const rowOrder = Int32Array.from(positions, (p) => data.train.indices[p] as number);
    const expected = tf.tidy(() => {
      const model = buildModel(spec, data.dataset, 2);
      for (const i of kernelIndices(model)) {
        const w = model.weights[i] as tf.LayerVariable;
        w.write(tf.tensor(fakeQuantize(w.read().dataSync(), 4, 64), w.shape as number[]));
      }
      const batch = makeBatch(data.train, rowOrder, 0, rows, data.dataset, 'flat');
      const logits = model.apply(batch.x, { training: true }) as tf.Tensor;
      const loss = kdLoss(logits, tf.tensor1d(batch.labels, 'int32'), null, { temperature: 1, alpha: 0 }).dataSync()[0];
      model.dispose();
      return loss as number;
    });
    for (const path of ['auto', 'reference'] as const) {
      const model = buildModel(spec, data.dataset, 2);
      const qat = { indices: kernelIndices(model), bits: 4, bucketSize: 64 };
      const o = { data, layout: 'flat', train: sgd, distill: null, teacherLogits: null, qat, path } as const;
      const step = chooseTrainingStep({ ...o, model });
      const { loss } = await step.run(positions, 0, rows, 0);
      expect(Math.abs(loss - expected), step.path).toBeLessThan(1e-5);
      step.dispose();
      model.dispose();
    }
  });

  it('is chosen on wasm for MLPs unless the reference is asked for', () => {
    const data = runData();
    const o = { data, layout: 'flat', train: sgd, distill: null, teacherLogits: null, qat: null } as const;
    const model = buildModel(mlp('relu'), data.dataset, 1);
    const step = chooseTrainingStep({ ...o, model });
    expect(step.path).toBe('fused-mlp');
    step.dispose();
    const reference = chooseTrainingStep({ ...o, model, path: 'reference' });
    expect(reference.path).toBe('reference');
    reference.dispose();
    model.dispose();
  });

  const trainings: Array<[string, ModelSpec, Partial<TrainOptions>, TrainSpec]> = [
    ['relu, BatchNorm, SGD with momentum', mlp('relu'), {}, sgd],
    [
      'lma-8, BatchNorm, KD, Adam with weight decay on every tensor, QAT 4-bit',
      mlp({ name: 'lma', segments: 8 }),
      { distill: { temperature: 4, alpha: 0.7 }, qat: { indices: [], bits: 4, bucketSize: 64 } },
      {
        epochs: 2,
        batchSize: 32,
        optimizer: { name: 'adam', lr: 0.003, weightDecay: 1e-3, weightDecayOn: 'all' },
        schedule: { name: 'cosine' },
      },
    ],
    [
      'prelu without BatchNorm, QAT 4-bit with Quant-Noise 0.5, plain SGD with kernel weight decay',
      mlp({ name: 'prelu' }, false),
      { qat: { indices: [], bits: 4, bucketSize: 64, noise: { rate: 0.5, seed: 11 } } },
      { epochs: 2, batchSize: 32, optimizer: { name: 'sgd', lr: 0.05, weightDecay: 1e-3 } },
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
          layout: 'flat',
          train,
          seed: 7,
          distill: null,
          teacherLogits: teacher,
          qat: null,
          ...extra,
          // QAT of every kernel, by position in model.weights (as executeRun gives them).
          ...(extra.qat ? { qat: { ...extra.qat, indices: kernelIndices(model) } } : {}),
          path,
        });
        expect(result.path).toBe(path === 'auto' ? 'fused-mlp' : 'reference');
        expect(tf.memory().numTensors).toBe(before);
        accuracy[path] = (await evaluate(model, data.test, data.dataset, 'flat')).accuracy;
        model.dispose();
      }
      expect(Math.abs((accuracy.auto as number) - (accuracy.reference as number))).toBeLessThanOrEqual(0.001);
    },
  );

  it('retrains a pruned student with its masks: pruned weights stay exactly 0, accuracy as the reference path’s', async () => {
    const data = runData();
    const spec = mlp('relu');
    const random = mulberry32(21);
    const shapes = buildModel(spec, data.dataset, 8);
    const masks = new Map(
      [0, 6].map((i) => [
        i,
        Uint8Array.from({ length: shapes.weights[i]?.read().size ?? 0 }, () => (random() < 0.5 ? 1 : 0)),
      ]),
    );
    shapes.dispose();
    const accuracy: number[] = [];
    for (const path of ['auto', 'reference'] as const) {
      const model = buildModel(spec, data.dataset, 8);
      tf.tidy(() => {
        for (const [i, mask] of masks) {
          const w = model.weights[i] as tf.LayerVariable;
          w.write(w.read().mul(tf.tensor(Float32Array.from(mask), w.shape as number[])));
        }
      });
      const result = await trainModel({
        model,
        data,
        layout: 'flat',
        train: sgd,
        seed: 8,
        distill: null,
        teacherLogits: null,
        qat: null,
        masks,
        path,
      });
      expect(result.path).toBe(path === 'auto' ? 'fused-mlp' : 'reference');
      for (const [i, mask] of masks) {
        const values = model.weights[i]?.read().dataSync() as Float32Array;
        expect(values.filter((_, j) => mask[j] === 0).every((v) => v === 0)).toBe(true);
      }
      accuracy.push((await evaluate(model, data.test, data.dataset, 'flat')).accuracy);
      model.dispose();
    }
    expect(Math.abs((accuracy[0] as number) - (accuracy[1] as number))).toBeLessThanOrEqual(0.001);
  });

  it('resumes from a checkpoint to the same bits as an uninterrupted fused run', async () => {
    const data = runData();
    const spec = mlp({ name: 'lma', segments: 8, statistics: 'bias-corrected' });
    const train: TrainSpec = {
      epochs: 3,
      batchSize: 32,
      optimizer: { name: 'adam', lr: 0.003, weightDecay: 1e-3, weightDecayOn: 'all' },
      schedule: { name: 'plateau', patience: 0 },
    };
    const o = { data, layout: 'flat', train, seed: 4, distill: null, teacherLogits: null, qat: null } as const;
    const states: TrainingState[] = [];
    const whole = buildModel(spec, data.dataset, 4);
    const uninterrupted = await trainModel({ ...o, model: whole, onState: async (s) => void states.push(s) });
    expect(uninterrupted.path).toBe('fused-mlp');
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
