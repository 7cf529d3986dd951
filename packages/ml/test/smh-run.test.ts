import { type DatasetSpec, type EpochMetrics, modelSize, modelTensors, type RunConfig } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWeights } from '../src/artifact/packed-artifact.ts';
import { type ArtifactFile, executeRun, type RunOutcome, type TrainingCheckpoint } from '../src/index.ts';
import { useWasm } from './setup-backend.ts';
import { executeRecordedRun } from './support/recorded-run.ts';

beforeAll(useWasm);

const mnist: DatasetSpec = { name: 'mnist', limit: { train: 1500, test: 400 }, validation: 0.1 };
const adam = { epochs: 3, batchSize: 64, optimizer: { name: 'adam' as const, lr: 0.003, weightDecay: 1e-4 } };
const teacherConfig: RunConfig = {
  kind: 'teacher',
  dataset: mnist,
  model: { family: 'mlp', hidden: [64], activation: 'relu' },
  train: adam,
  seed: 1,
  distill: null,
  quantize: null,
};
/** An SMH MLP 784-32-10 at a fifth of its kernel values, BatchNorm and LMA with recalibrated statistics. */
const studentConfig: RunConfig = {
  kind: 'student',
  dataset: mnist,
  model: {
    family: 'mlp',
    hidden: [32],
    activation: { name: 'lma', segments: 8, statistics: 'recalibrate' },
    batchNorm: true,
    smh: { fraction: 0.2, scale: 'var_fanout' },
  },
  train: adam,
  seed: 2,
  distill: { temperature: 2, alpha: 0.7 },
  quantize: null,
};
const quantize = { bits: 4 as const, bucketSize: 64, keepFloat: 'all-but-kernels' as const };

const bytesOf = (files: ArtifactFile[]) => files.map((f) => [f.name, Buffer.from(f.data).toString('base64')]);

describe('executeRun with an SMH student', () => {
  let teacher: RunOutcome;
  let student: RunOutcome;
  let checkpoints: TrainingCheckpoint[];
  let epochs: EpochMetrics[];

  beforeAll(async () => {
    teacher = await executeRun({ config: teacherConfig });
    ({
      outcome: student,
      epochs,
      checkpoints,
    } = await executeRecordedRun({
      config: studentConfig,
      parent: teacher.artifact,
    }));
  }, 120_000);

  it('trains well above chance (10%) with the size predicted before training, byte for byte', () => {
    expect(student.accuracy).toBeGreaterThan(0.6);
    const tensors = modelTensors(studentConfig.model as never, { shape: [28, 28, 1], classes: 10 });
    // N = 784·32 + 32·10 = 25,408, m = 160, k = ⌊0.1·25,408/160⌋ = 15: a pool of 4,800 values for 25,408.
    expect(tensors.slice(0, 2).map((t) => t.shape)).toEqual([
      [160, 15],
      [15, 160],
    ]);
    expect(student.sizeBreakdown).toEqual(modelSize(tensors));
    expect(student.parameters).toBe(4_800 + 2 + 42 + 4 * 32 + 2 * 8 + 2);
    expect(epochs.map((m) => m.epoch)).toEqual([1, 2, 3]);
  });

  it('trains on the tfjs-layers reference step: the fused MLP step knows plain dense layers only', () => {
    // The plain MLP teacher of the same data and backend does take the fused step.
    expect(teacher.trainPath).toBe('fused-mlp');
    expect(student.trainPath).toBe('reference');
  });

  it('resumes after epoch 1 to the bit-identical artifact', async () => {
    const resumed = await executeRun({
      config: studentConfig,
      parent: teacher.artifact,
      resumeFrom: checkpoints[0] as TrainingCheckpoint,
    });
    expect(resumed.accuracy).toBe(student.accuracy);
    expect(bytesOf(resumed.artifact.files)).toEqual(bytesOf(student.artifact.files));
  });

  it('quantizes the two pool matrices after training (PTQ): they are stored as 4-bit codes, all else float', async () => {
    const ptq = await executeRun({
      config: { ...studentConfig, kind: 'quantize-ptq', train: null, quantize: { method: 'ptq', ...quantize } },
      parent: student.artifact,
    });
    const { json } = decodeWeights(ptq.artifact);
    expect(json.weights.filter((w) => w.encoding === 'uniform').map((w) => w.name)).toEqual([
      'smh_pool_1/left',
      'smh_pool_1/right',
    ]);
    expect(ptq.bytes).toBeLessThan(student.bytes / 3);
    expect(ptq.accuracy).toBeGreaterThan(0.5);
  });

  it('trains with the pool quantized in the forward pass (QAT) and stores L and R on the 4-bit grid', async () => {
    const qat = await executeRun({
      config: { ...studentConfig, kind: 'quantize-qat', seed: 3, quantize: { method: 'qat', ...quantize } },
      parent: teacher.artifact,
    });
    const { json, values } = decodeWeights(qat.artifact);
    const left = values[json.weights.findIndex((w) => w.name === 'smh_pool_1/left')] as Float32Array;
    // 4 bits in buckets of 64: at most 16 distinct values per bucket (a float tensor would have ~64).
    for (let from = 0; from < left.length; from += 64) {
      expect(new Set(Array.from(left.subarray(from, from + 64))).size).toBeLessThanOrEqual(16);
    }
    expect(json.weights.find((w) => w.name === 'smh_pool_1/right')?.encoding).toBe('uniform');
    expect(qat.accuracy).toBeGreaterThan(0.5);
  });

  it('product-quantizes the pool (iPQ): L, whose 160 rows blocks of 8 divide, as a codebook; R (15) stays float', async () => {
    const config: RunConfig = {
      ...studentConfig,
      kind: 'quantize-qat',
      seed: 4,
      quantize: {
        method: 'pq',
        blockSize: 8,
        centroids: 16,
        noise: 0.1,
        finetuneEpochs: 1,
        keepFloat: 'all-but-kernels',
      },
    };
    const pq = await executeRun({ config, parent: teacher.artifact });
    const tensors = modelTensors(studentConfig.model as never, { shape: [28, 28, 1], classes: 10 });
    expect(pq.sizeBreakdown).toEqual(modelSize(tensors, config.quantize ?? undefined));
    const { json } = decodeWeights(pq.artifact);
    expect(json.weights.filter((w) => w.encoding === 'pq').map((w) => w.name)).toEqual(['smh_pool_1/left']);
    expect(json.weights.find((w) => w.name === 'smh_pool_1/right')?.encoding).toBe('float32');
    expect(pq.accuracy).toBeGreaterThan(0.3);
  });

  it('trains an SMH CNN (constant fan-out scales) above chance', async () => {
    const before = tf.memory().numTensors;
    const cnn = await executeRun({
      config: {
        ...studentConfig,
        model: {
          family: 'cnn',
          channels: [4, 8],
          dense: [],
          activation: 'relu',
          smh: { fraction: 0.5, scale: 'fanout' },
        },
      },
      parent: teacher.artifact,
    });
    expect(cnn.accuracy).toBeGreaterThan(0.3);
    // A fused step for CNNs must leave SMH layers to the reference step, as the MLP one does.
    expect(cnn.trainPath).toBe('reference');
    expect(tf.memory().numTensors).toBe(before);
  });
});
