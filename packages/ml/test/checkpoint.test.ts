import type { DatasetSpec, EpochMetrics, RunConfig } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ArtifactFile,
  CheckpointError,
  executeRun,
  type ModelArtifact,
  type RunOutcome,
  TRAINING_CHECKPOINTS,
  type TrainingCheckpoint,
} from '../src/index.ts';
import { useWasm } from './setup-backend.ts';

beforeAll(useWasm);

const mnist: DatasetSpec = { name: 'mnist', limit: { train: 1000, test: 300 }, validation: 0.1 };

const teacherConfig: RunConfig = {
  kind: 'teacher',
  dataset: mnist,
  model: { family: 'mlp', hidden: [32], activation: 'relu', batchNorm: true },
  train: { epochs: 4, batchSize: 64, optimizer: { name: 'adam', lr: 0.003 }, schedule: { name: 'cosine' } },
  seed: 11,
  distill: null,
  quantize: null,
};
const studentConfig: RunConfig = {
  kind: 'student',
  dataset: mnist,
  model: { family: 'mlp', hidden: [16], activation: { name: 'lma', segments: 8 }, batchNorm: true },
  // A high rate and patience 0, so the plateau schedule halves the rate within the run.
  train: {
    epochs: 5,
    batchSize: 64,
    optimizer: { name: 'sgd', lr: 0.4, momentum: 0.9, weightDecay: 1e-4 },
    schedule: { name: 'plateau', patience: 0, factor: 0.5 },
  },
  seed: 12,
  distill: { temperature: 2, alpha: 0.7 },
  quantize: null,
};
const qatConfig: RunConfig = {
  ...studentConfig,
  kind: 'quantize-qat',
  train: { ...(studentConfig.train as NonNullable<RunConfig['train']>), epochs: 3 },
  seed: 13,
  quantize: { method: 'qat', bits: 4, bucketSize: 64, keepFloat: 'first-last' },
};

/** A checkpoint as a store gives it back: its own copies of the bytes. */
const stored = (c: TrainingCheckpoint): TrainingCheckpoint => ({
  epoch: c.epoch,
  files: c.files.map((f) => ({ ...f, data: Uint8Array.from(f.data) })),
});
const bytesOf = (files: ArtifactFile[]) => files.map((f) => [f.name, Buffer.from(f.data).toString('base64')]);
/** The metrics that must be reproduced (everything but the wall-clock time). */
const exact = (m: EpochMetrics) => ({ ...m, seconds: 0 });

interface Run {
  outcome: RunOutcome;
  epochs: EpochMetrics[];
  checkpoints: TrainingCheckpoint[];
  tensorsAfterEpoch: number[];
}

async function run(config: RunConfig, parent?: ModelArtifact, resumeFrom?: TrainingCheckpoint): Promise<Run> {
  const epochs: EpochMetrics[] = [];
  const checkpoints: TrainingCheckpoint[] = [];
  const tensorsAfterEpoch: number[] = [];
  const outcome = await executeRun({
    config,
    ...(parent ? { parent } : {}),
    ...(resumeFrom ? { resumeFrom } : {}),
    onEpoch: (m) => {
      epochs.push(m);
      tensorsAfterEpoch.push(tf.memory().numTensors);
    },
    onCheckpoint: async (c) => {
      checkpoints.push(stored(c));
    },
  });
  return { outcome, epochs, checkpoints, tensorsAfterEpoch };
}

/** Runs `config` until the checkpoint of epoch `k`, then aborts it the way a worker shutting down would. */
async function interrupted(config: RunConfig, k: number, parent?: ModelArtifact): Promise<TrainingCheckpoint> {
  const controller = new AbortController();
  let last: TrainingCheckpoint | null = null;
  const attempt = executeRun({
    config,
    ...(parent ? { parent } : {}),
    signal: controller.signal,
    onCheckpoint: async (c) => {
      last = stored(c);
      if (c.epoch === k) controller.abort();
    },
  });
  await expect(attempt).rejects.toMatchObject({ name: 'AbortError' });
  expect(last).not.toBeNull();
  return last as unknown as TrainingCheckpoint;
}

/** Uninterrupted vs interrupted after epoch `k` and resumed in a fresh executeRun call: must be bit-identical. */
async function expectResumeIdentical(
  config: RunConfig,
  k: number,
  parent?: ModelArtifact,
  uninterrupted?: Run,
): Promise<Run> {
  const full = uninterrupted ?? (await run(config, parent));
  const checkpoint = await interrupted(config, k, parent);
  expect(checkpoint.epoch).toBe(k);
  expect(bytesOf(checkpoint.files)).toEqual(bytesOf((full.checkpoints[k - 1] as TrainingCheckpoint).files));
  const resumed = await run(config, parent, checkpoint);
  expect(resumed.epochs.map((m) => m.epoch)).toEqual(full.epochs.slice(k).map((m) => m.epoch));
  expect(resumed.epochs.map(exact)).toEqual(full.epochs.slice(k).map(exact));
  expect(resumed.outcome.accuracy).toBe(full.outcome.accuracy);
  expect(resumed.outcome.loss).toBe(full.outcome.loss);
  expect(bytesOf(resumed.outcome.artifact.files)).toEqual(bytesOf(full.outcome.artifact.files));
  // The checkpoints written after resuming are those of the uninterrupted run, byte for byte.
  expect(resumed.checkpoints.map((c) => bytesOf(c.files))).toEqual(
    full.checkpoints.slice(k).map((c) => bytesOf(c.files)),
  );
  expect(new Set(resumed.tensorsAfterEpoch).size).toBe(1);
  return full;
}

describe('training checkpoints', () => {
  let teacher: Run;

  beforeAll(async () => {
    teacher = await run(teacherConfig);
  }, 60_000);

  it('announces that this packages/ml checkpoints and resumes', () => {
    expect(TRAINING_CHECKPOINTS).toBe(true);
  });

  it('resumes a teacher (Adam, cosine schedule) after epoch 2 to bit-identical weights and metrics', async () => {
    await expectResumeIdentical(teacherConfig, 2, undefined, teacher);
    expect(teacher.checkpoints.map((c) => c.epoch)).toEqual([1, 2, 3, 4]);
    const rates = teacher.epochs.map((m) => m.learningRate);
    expect(new Set(rates).size).toBe(4); // the cosine schedule moved every epoch
  });

  it('resumes an LMA student (SGD momentum, plateau schedule) to bit-identical weights, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const full = await expectResumeIdentical(studentConfig, 3, teacher.outcome.artifact);
    expect(tf.memory().numTensors).toBe(before);
    // The plateau schedule cut the rate at some point, so its state (best, patience, rate) mattered.
    expect(new Set(full.epochs.map((m) => m.learningRate)).size).toBeGreaterThan(1);
  });

  it('resumes a quantized-distillation (QAT) run to bit-identical weights and metrics', async () => {
    await expectResumeIdentical(qatConfig, 1, teacher.outcome.artifact);
  });

  it('resumes a Quant-Noise run to bit-identical weights and metrics (its masks follow the step count)', async () => {
    const quantize = { ...(qatConfig.quantize as NonNullable<RunConfig['quantize']>), noise: 0.25 };
    const noisy = await expectResumeIdentical({ ...qatConfig, quantize }, 1, teacher.outcome.artifact);
    const plain = await run(qatConfig, teacher.outcome.artifact);
    // The noise changed the training: not the plain-QAT run's result.
    expect(noisy.epochs.map((m) => m.trainLoss)).not.toEqual(plain.epochs.map((m) => m.trainLoss));
  });

  it('hands over a checkpoint after every epoch, after onEpoch, the last epoch included', async () => {
    const events: string[] = [];
    await executeRun({
      config: { ...teacherConfig, train: { ...(teacherConfig.train as NonNullable<RunConfig['train']>), epochs: 2 } },
      onEpoch: (m) => void events.push(`epoch ${m.epoch}`),
      onCheckpoint: async (c) => void events.push(`checkpoint ${c.epoch}`),
    });
    expect(events).toEqual(['epoch 1', 'checkpoint 1', 'epoch 2', 'checkpoint 2']);
  });

  it('keeps tf.memory().numTensors equal after every epoch while checkpointing', () => {
    expect(new Set(teacher.tensorsAfterEpoch).size).toBe(1);
  });

  it('finishes a run resumed from its last epoch by evaluating only, to the same result', async () => {
    const last = teacher.checkpoints.at(-1) as TrainingCheckpoint;
    const resumed = await run(teacherConfig, undefined, last);
    expect(resumed.epochs).toEqual([]);
    expect(bytesOf(resumed.outcome.artifact.files)).toEqual(bytesOf(teacher.outcome.artifact.files));
  });

  it('refuses a checkpoint from a different config with a CheckpointError naming the difference', async () => {
    const checkpoint = teacher.checkpoints[1] as TrainingCheckpoint;
    const other: RunConfig = {
      ...teacherConfig,
      train: { ...(teacherConfig.train as NonNullable<RunConfig['train']>), optimizer: { name: 'adam', lr: 0.01 } },
    };
    const attempt = executeRun({ config: other, resumeFrom: checkpoint });
    await expect(attempt).rejects.toBeInstanceOf(CheckpointError);
    await expect(executeRun({ config: other, resumeFrom: checkpoint })).rejects.toMatchObject({
      code: 'CHECKPOINT',
      reason: 'config',
      message: expect.stringContaining('config.train.optimizer.lr: 0.003 in the checkpoint, 0.01 now'),
    });
    await expect(executeRun({ config: { ...teacherConfig, seed: 99 }, resumeFrom: checkpoint })).rejects.toMatchObject({
      reason: 'config',
      message: expect.stringContaining('config.seed'),
    });
  });

  it('refuses a checkpoint trained against a different parent artifact', async () => {
    const checkpoint = await interrupted(studentConfig, 1, teacher.outcome.artifact);
    const otherTeacher = await executeRun({
      config: {
        ...teacherConfig,
        seed: 5,
        train: { ...(teacherConfig.train as NonNullable<RunConfig['train']>), epochs: 1 },
      },
    });
    await expect(
      executeRun({ config: studentConfig, parent: otherTeacher.artifact, resumeFrom: checkpoint }),
    ).rejects.toMatchObject({ name: 'CheckpointError', reason: 'parent' });
  });

  it('refuses a malformed checkpoint or one whose epoch is not the run’s', async () => {
    const checkpoint = teacher.checkpoints[0] as TrainingCheckpoint;
    const truncated = {
      epoch: 1,
      files: checkpoint.files.map((f) => (f.name === 'state.bin' ? { ...f, data: f.data.subarray(0, 100) } : f)),
    };
    await expect(executeRun({ config: teacherConfig, resumeFrom: truncated })).rejects.toMatchObject({
      reason: 'format',
    });
    await expect(executeRun({ config: teacherConfig, resumeFrom: { epoch: 1, files: [] } })).rejects.toMatchObject({
      reason: 'format',
    });
    await expect(executeRun({ config: teacherConfig, resumeFrom: { ...checkpoint, epoch: 3 } })).rejects.toMatchObject({
      reason: 'epoch',
    });
  });
});
