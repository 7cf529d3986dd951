import {
  type DatasetSpec,
  type EpochMetrics,
  modelBytes,
  modelSize,
  type RunConfig,
  runModelTensors,
  type TrainSpec,
} from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWeights } from '../src/artifact/packed-artifact.ts';
import { type BatchPosition, executeRun, quantizeBuckets, RunConfigError, type RunOutcome } from '../src/index.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const mnist: DatasetSpec = { name: 'mnist', limit: { train: 2000, test: 500 }, validation: 0.1 };
const sgd: TrainSpec = {
  epochs: 2,
  batchSize: 64,
  optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4 },
};
const teacherConfig: RunConfig = {
  kind: 'teacher',
  dataset: mnist,
  model: { family: 'mlp', hidden: [64], activation: 'relu' },
  train: sgd,
  seed: 1,
  distill: null,
  quantize: null,
};
const studentConfig: RunConfig = {
  kind: 'student',
  dataset: mnist,
  model: { family: 'mlp', hidden: [16], activation: { name: 'lma', segments: 8 }, batchNorm: true },
  train: sgd,
  seed: 2,
  distill: { temperature: 2, alpha: 0.7 },
  quantize: null,
};
const ptqConfig: RunConfig = {
  ...studentConfig,
  kind: 'quantize-ptq',
  train: null,
  quantize: { method: 'ptq', bits: 4, bucketSize: 256, keepFloat: 'all-but-kernels' },
};

interface Chain {
  teacher: RunOutcome;
  student: RunOutcome;
  ptq: RunOutcome;
  epochs: EpochMetrics[];
  /** The teacher's batches, as onBatch saw them. */
  batches: BatchPosition[];
}

async function chain(): Promise<Chain> {
  const epochs: EpochMetrics[] = [];
  const batches: BatchPosition[] = [];
  const teacher = await executeRun({
    config: teacherConfig,
    onEpoch: (m) => void epochs.push(m),
    onBatch: (p) => void batches.push(p),
  });
  const student = await executeRun({
    config: studentConfig,
    parent: teacher.artifact,
    onEpoch: (m) => void epochs.push(m),
  });
  const ptq = await executeRun({ config: ptqConfig, parent: student.artifact });
  return { teacher, student, ptq, epochs, batches };
}

const weightsOf = (o: RunOutcome) => o.artifact.files.find((f) => f.name === 'weights.bin')?.data;

describe('executeRun on a small MNIST slice', () => {
  let first: Chain;
  let second: Chain;
  let tensorsBefore = 0;
  let tensorsAfter = 0;

  beforeAll(async () => {
    first = await chain();
    tensorsBefore = tf.memory().numTensors;
    second = await chain();
    tensorsAfter = tf.memory().numTensors;
    const line = (name: string, o: RunOutcome) => `${name} ${(o.accuracy * 100).toFixed(1)}% ${o.bytes} B`;
    console.log(
      `chain: ${line('teacher', first.teacher)}, ${line('student', first.student)}, ${line('ptq-4', first.ptq)}`,
    );
  }, 120_000);

  it('trains a teacher, a KD student and a PTQ variant well above chance (10%)', () => {
    expect(first.teacher.accuracy).toBeGreaterThan(0.8);
    expect(first.student.accuracy).toBeGreaterThan(0.7);
    expect(first.ptq.accuracy).toBeGreaterThan(0.6);
    expect(first.ptq.bits).toBe(4);
    expect(first.teacher.backend).toBe('wasm');
  });

  it('reports parameters and measured bytes that equal the spec predictions', () => {
    for (const [o, config] of [
      [first.teacher, teacherConfig],
      [first.student, studentConfig],
      [first.ptq, ptqConfig],
    ] as const) {
      const tensors = runModelTensors(config.model, { shape: [28, 28, 1], classes: 10 });
      expect(o.parameters).toBe(tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0));
      expect(o.bytes).toBe(modelBytes(tensors, config.quantize ?? undefined));
      expect(o.sizeBreakdown).toEqual(modelSize(tensors, config.quantize ?? undefined));
      expect(o.sizeBreakdown.codeBytes + o.sizeBreakdown.headerBytes + o.sizeBreakdown.floatBytes).toBe(o.bytes);
      expect(weightsOf(o)?.length).toBe(o.bytes);
    }
    // Every kernel quantized (the default): 4-bit codes are an eighth of float32, plus headers and float biases.
    expect(first.student.bytes / first.ptq.bytes).toBeGreaterThan(6);
    expect(first.ptq.sizeBreakdown.quantizedFraction).toBeGreaterThan(0.99);
  });

  it('reports every epoch with validation metrics and the learning rate', () => {
    expect(first.epochs.map((m) => [m.epoch, m.epochs])).toEqual([
      [1, 2],
      [2, 2],
      [1, 2],
      [2, 2],
    ]);
    for (const m of first.epochs) {
      expect(m.valAccuracy).toBeGreaterThan(0.5);
      expect(m.valLoss).toBeGreaterThan(0);
      expect(m.trainLoss).toBeGreaterThan(0);
      expect(m.learningRate).toBe(0.05);
      expect(m.seconds).toBeGreaterThan(0);
    }
  });

  it('reports every batch of every epoch, in order, with the number of batches', () => {
    // 2,000 rows less a 10% validation hold-out: 1,800 in batches of 64, the last one short.
    const perEpoch = Math.ceil(1800 / 64);
    expect(first.batches).toEqual(
      [1, 2].flatMap((epoch) =>
        Array.from({ length: perEpoch }, (_, i) => ({ epoch, epochs: 2, batch: i + 1, batches: perEpoch })),
      ),
    );
  });

  it('is bit-identical when repeated with the same seeds', () => {
    for (const k of ['teacher', 'student', 'ptq'] as const) {
      expect(second[k].accuracy).toBe(first[k].accuracy);
      expect(second[k].loss).toBe(first[k].loss);
      expect(weightsOf(second[k])).toEqual(weightsOf(first[k]));
    }
    expect(second.epochs.map((m) => [m.trainLoss, m.valLoss])).toEqual(
      first.epochs.map((m) => [m.trainLoss, m.valLoss]),
    );
  });

  it('leaks no tensors across runs', () => {
    expect(tensorsAfter).toBe(tensorsBefore);
  });

  it('trains a QAT student whose stored weights lie on the quantization grid', async () => {
    const config: RunConfig = {
      ...studentConfig,
      kind: 'quantize-qat',
      train: { ...sgd, epochs: 1 },
      quantize: { method: 'qat', bits: 2, bucketSize: 64, keepFloat: 'first-last' },
    };
    const before = tf.memory().numTensors;
    const qat = await executeRun({ config, parent: first.teacher.artifact });
    expect(tf.memory().numTensors).toBe(before);
    expect(qat.accuracy).toBeGreaterThan(0.3);
    expect(qat.bytes).toBe(
      modelBytes(runModelTensors(config.model, { shape: [28, 28, 1], classes: 10 }), config.quantize ?? undefined),
    );
    const { json, values } = decodeWeights(qat.artifact);
    json.weights.forEach((w, i) => {
      if (w.encoding !== 'uniform') return;
      const q = quantizeBuckets(values[i] as Float32Array, 2, 64);
      expect(Math.max(...q.codes)).toBeLessThanOrEqual(3);
    });
  });

  it('rejects with an AbortError when aborted, leaking nothing', async () => {
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const run = executeRun({
      config: { ...teacherConfig, train: { ...sgd, epochs: 5 } },
      signal: controller.signal,
      onEpoch: () => controller.abort(),
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a student without its teacher', async () => {
    await expect(executeRun({ config: studentConfig })).rejects.toThrow(RunConfigError);
    await expect(executeRun({ config: studentConfig })).rejects.toThrow(/needs the teacher's artifact/);
  });
});

describe('executeRun on synthetic images', () => {
  it('trains a CNN with BatchNorm and PReLU on wasm (filter gradients included) above chance', async () => {
    const before = tf.memory().numTensors;
    const outcome = await executeRun({
      config: {
        kind: 'teacher',
        dataset: { name: 'synthetic', shape: [8, 8, 1], classes: 4, limit: { train: 512, test: 256 } },
        model: { family: 'cnn', channels: [4, 8], dense: [16], activation: 'prelu', batchNorm: true },
        train: { epochs: 2, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 }, schedule: { name: 'cosine' } },
        seed: 3,
        distill: null,
        quantize: null,
      },
    });
    expect(outcome.accuracy).toBeGreaterThan(0.5);
    expect(tf.memory().numTensors).toBe(before);
  });
});
