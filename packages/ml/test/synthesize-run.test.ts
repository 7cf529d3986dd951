import {
  type DatasetSpec,
  predictRunSize,
  type RunConfig,
  type SyntheticData,
  syntheticDataBytes,
} from '@distillery/spec';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSyntheticDataset } from '../src/artifact/synthetic-dataset.ts';
import { loadDataset } from '../src/data/load-dataset.ts';
import { selectRunData } from '../src/data/run-data.ts';
import { executeRun, RunConfigError, type RunOutcome, type TrainingCheckpoint } from '../src/index.ts';
import { syntheticRunDataset, syntheticSplit } from '../src/synthesize/synthetic-run-dataset.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const mnist: DatasetSpec = { name: 'mnist', limit: { train: 600, test: 300 } };
const teacherOf = (batchNorm: boolean): RunConfig => ({
  kind: 'teacher',
  dataset: mnist,
  model: { family: 'mlp', hidden: [32], activation: 'relu', batchNorm },
  train: { epochs: 2, batchSize: 64, optimizer: { name: 'adam', lr: 0.003 } },
  seed: 1,
  distill: null,
  quantize: null,
});
const dataOf = (method: SyntheticData['method'], samples = 96): SyntheticData => ({
  source: 'synthetic',
  method,
  samples,
  steps: 4,
  batchSize: 40,
  lr: 0.05,
  seed: 3,
});
const synthesizeConfig = (data: SyntheticData): RunConfig => ({
  kind: 'synthesize',
  dataset: mnist,
  model: null,
  train: null,
  seed: data.seed,
  distill: null,
  quantize: null,
  data,
});

describe('synthesize runs after a small BatchNorm MNIST teacher', () => {
  let teacher: RunOutcome;
  let bns: RunOutcome;
  const bnsCheckpoints: TrainingCheckpoint[] = [];

  beforeAll(async () => {
    teacher = await executeRun({ config: teacherOf(true) });
    bns = await executeRun({
      config: synthesizeConfig(dataOf('bns')),
      parent: teacher.artifact,
      onCheckpoint: async (c) => void bnsCheckpoints.push(c),
    });
  }, 120_000);

  it('stores `samples` inputs of the data set’s shape with labels, in exactly the predicted bytes', () => {
    const d = decodeSyntheticDataset(bns.artifact.files);
    expect(d.shape).toEqual([28, 28, 1]);
    expect(d.inputs.length).toBe(96 * 784);
    expect(d.labels.length).toBe(96);
    expect(Math.max(...d.labels)).toBeLessThan(10);
    expect(bns.bytes).toBe(syntheticDataBytes({ samples: 96 }, 784));
    expect(bns.bytes).toBe(predictRunSize(synthesizeConfig(dataOf('bns'))).bytes);
    // bns labels are the teacher's own predictions on the stored bytes.
    expect(bns.accuracy).toBe(1);
    expect(Number.isFinite(bns.loss)).toBe(true);
  });

  it('moves the inputs away from their Gaussian start towards the teacher’s statistics', async () => {
    const gaussian = await executeRun({ config: synthesizeConfig(dataOf('gaussian')), parent: teacher.artifact });
    const start = decodeSyntheticDataset(gaussian.artifact.files).inputs;
    const moved = decodeSyntheticDataset(bns.artifact.files).inputs;
    // Same seed, same start: the gaussian generator keeps it, bns optimises it.
    let changed = 0;
    for (let i = 0; i < start.length; i++) if (start[i] !== moved[i]) changed++;
    expect(changed / start.length).toBeGreaterThan(0.5);
    // Four Adam steps lower the BNS loss below the start's (the gaussian run's loss is the BNS loss of its draw).
    expect(bns.loss).toBeLessThan(gaussian.loss);
  }, 60_000);

  it('is deterministic from its seed, and a resumed run gives the same bytes', async () => {
    const again = await executeRun({ config: synthesizeConfig(dataOf('bns')), parent: teacher.artifact });
    expect(
      Buffer.from(again.artifact.files[1]?.data ?? []).equals(Buffer.from(bns.artifact.files[1]?.data ?? [])),
    ).toBe(true);
    expect(bnsCheckpoints.map((c) => c.epoch)).toEqual([1, 2, 3]);
    const resumed = await executeRun({
      config: synthesizeConfig(dataOf('bns')),
      parent: teacher.artifact,
      resumeFrom: bnsCheckpoints[0] as TrainingCheckpoint,
    });
    expect(resumed.artifact.files.map((f) => Buffer.from(f.data).toString('base64'))).toEqual(
      bns.artifact.files.map((f) => Buffer.from(f.data).toString('base64')),
    );
    const otherSeed = await executeRun({
      config: synthesizeConfig({ ...dataOf('bns'), seed: 4 }),
      parent: teacher.artifact,
    });
    expect(
      Buffer.from(otherSeed.artifact.files[1]?.data ?? []).equals(Buffer.from(bns.artifact.files[1]?.data ?? [])),
    ).toBe(false);
  }, 120_000);

  it('labels inception samples with balanced target classes', async () => {
    const inception = await executeRun({ config: synthesizeConfig(dataOf('inception', 40)), parent: teacher.artifact });
    const d = decodeSyntheticDataset(inception.artifact.files);
    expect([...d.labels]).toEqual(Array.from({ length: 40 }, (_, i) => i % 10));
    expect(inception.accuracy).toBeGreaterThanOrEqual(0);
    expect(inception.accuracy).toBeLessThanOrEqual(1);
  }, 60_000);

  it('trains a student on the synthetic rows only, tested on the real test split', async () => {
    const data = dataOf('bns');
    const config: RunConfig = {
      kind: 'student',
      dataset: mnist,
      model: { family: 'mlp', hidden: [16], activation: 'relu' },
      train: { epochs: 2, batchSize: 32, optimizer: { name: 'adam', lr: 0.003 } },
      seed: 5,
      distill: { temperature: 2, alpha: 0.7 },
      quantize: null,
      data,
    };
    const student = await executeRun({ config, parent: teacher.artifact, synthetic: bns.artifact });
    // The digest of exactly the rows it used: the 96 synthetic samples and the 300 real test rows.
    const real = loadDataset(mnist);
    const { dataset, spec } = syntheticRunDataset(real, mnist, data, bns.artifact);
    const expected = selectRunData(dataset, spec);
    expect(expected.train.indices.length).toBe(96);
    const synthetic = syntheticSplit(decodeSyntheticDataset(bns.artifact.files));
    expect(Buffer.from(expected.train.split.images).equals(Buffer.from(synthetic.images))).toBe(true);
    expect(expected.train.split).not.toBe(real.train);
    expect(expected.test.split).toBe(real.test);
    expect(student.splitDigest).toBe(expected.splitDigest);
    expect(student.splitDigest).not.toBe(selectRunData(real, mnist).splitDigest);
    expect(student.bytes).toBe(predictRunSize(config).bytes);
    expect(student.accuracy).toBeGreaterThan(0);
    expect(student.trainPath).toBe('fused-mlp');
  }, 120_000);

  it('resumes a student on synthetic data from its checkpoint to the same model', async () => {
    const config: RunConfig = {
      kind: 'student',
      dataset: mnist,
      model: { family: 'mlp', hidden: [16], activation: { name: 'lma', segments: 4 }, batchNorm: true },
      train: { epochs: 2, batchSize: 32, optimizer: { name: 'adam', lr: 0.003 } },
      seed: 6,
      distill: { temperature: 2, alpha: 0.7 },
      quantize: null,
      data: dataOf('bns'),
    };
    const checkpoints: TrainingCheckpoint[] = [];
    const whole = await executeRun({
      config,
      parent: teacher.artifact,
      synthetic: bns.artifact,
      onCheckpoint: async (c) => void checkpoints.push(c),
    });
    const resumed = await executeRun({
      config,
      parent: teacher.artifact,
      synthetic: bns.artifact,
      resumeFrom: checkpoints[0] as TrainingCheckpoint,
    });
    expect(resumed.accuracy).toBe(whole.accuracy);
    expect(resumed.artifact.files.map((f) => Buffer.from(f.data).toString('base64'))).toEqual(
      whole.artifact.files.map((f) => Buffer.from(f.data).toString('base64')),
    );
  }, 120_000);

  it('refuses a student on synthetic data without its data set, or with one made for other data', async () => {
    const config: RunConfig = {
      kind: 'student',
      dataset: mnist,
      model: { family: 'mlp', hidden: [16], activation: 'relu' },
      train: { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.003 } },
      seed: 5,
      distill: { temperature: 2, alpha: 0.7 },
      quantize: null,
      data: { ...dataOf('bns'), samples: 50 },
    };
    await expect(executeRun({ config, parent: teacher.artifact })).rejects.toThrow(RunConfigError);
    await expect(executeRun({ config, parent: teacher.artifact, synthetic: bns.artifact })).rejects.toThrow(
      /was made as/,
    );
  });
});

describe('a BNS synthesis from a small BatchNorm CNN teacher', () => {
  it('matches per-channel statistics of its conv layers and trains 4-bit QAT CNN students of every activation on them', async () => {
    const teacher = await executeRun({
      config: {
        kind: 'teacher',
        dataset: mnist,
        model: { family: 'cnn', channels: [4], dense: [], activation: 'relu', batchNorm: true },
        train: { epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.003 } },
        seed: 1,
        distill: null,
        quantize: null,
      },
    });
    const data = { ...dataOf('bns', 30), batchSize: 15, steps: 3 };
    const synthesis = await executeRun({ config: synthesizeConfig(data), parent: teacher.artifact });
    expect(decodeSyntheticDataset(synthesis.artifact.files).inputs.length).toBe(30 * 784);
    // The conv layer's BatchNorm statistics (per channel over batch, height and width) got closer than the draw's.
    const draw = await executeRun({
      config: synthesizeConfig({ ...data, method: 'gaussian' }),
      parent: teacher.artifact,
    });
    expect(synthesis.loss).toBeLessThan(draw.loss);
    for (const activation of [
      'relu',
      'prelu',
      'swish',
      { name: 'aplu', segments: 4 },
      { name: 'lma', segments: 4 },
    ] as const) {
      const config: RunConfig = {
        kind: 'quantize-qat',
        dataset: mnist,
        model: { family: 'cnn', channels: [3], dense: [], activation, batchNorm: true },
        train: { epochs: 1, batchSize: 10, optimizer: { name: 'adam', lr: 0.003 } },
        seed: 2,
        distill: { temperature: 2, alpha: 0.7 },
        quantize: { method: 'qat', bits: 4, bucketSize: 64, keepFloat: 'all-but-kernels' },
        data,
      };
      const student = await executeRun({ config, parent: teacher.artifact, synthetic: synthesis.artifact });
      expect(student.bytes).toBe(predictRunSize(config).bytes);
      expect(student.accuracy).toBeGreaterThanOrEqual(0);
    }
  }, 120_000);
});

describe('a BNS synthesis from a teacher without BatchNorm', () => {
  it('fails with a RunConfigError naming the rule', async () => {
    const teacher = await executeRun({
      config: {
        ...teacherOf(false),
        train: { epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.003 } },
      } as RunConfig,
    });
    await expect(executeRun({ config: synthesizeConfig(dataOf('bns')), parent: teacher.artifact })).rejects.toThrow(
      /BatchNorm statistics.*has no BatchNorm layer/,
    );
  }, 60_000);
});
