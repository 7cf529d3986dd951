import { type DatasetSpec, type EpochMetrics, type RunConfig, runEpochs } from '@distillery/spec';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWeights, readModelJson } from '../src/artifact/packed-artifact.ts';
import {
  type ArtifactFile,
  type CremboFacts,
  cremboPlan,
  cremboSelection,
  executeRun,
  type RunOutcome,
  type TrainingCheckpoint,
} from '../src/index.ts';
import { useWasm } from './setup-backend.ts';
import { executeRecordedRun } from './support/recorded-run.ts';

beforeAll(useWasm);

const mnist: DatasetSpec = { name: 'mnist', limit: { train: 600, test: 200 }, validation: 0.2 };
const adam = { epochs: 2, batchSize: 32, optimizer: { name: 'adam' as const, lr: 0.01 } };
const teacherConfig: RunConfig = {
  kind: 'teacher',
  dataset: mnist,
  model: { family: 'mlp', hidden: [64], activation: 'relu' },
  train: { ...adam, epochs: 4 },
  seed: 1,
  distill: null,
  quantize: null,
};
const studentConfig: RunConfig = {
  kind: 'student',
  dataset: mnist,
  model: { family: 'mlp', hidden: [16], activation: 'relu', batchNorm: true },
  train: adam,
  seed: 2,
  distill: { method: 'crembo', thresholds: 4, loss: 'bce' },
  quantize: null,
};

const bytesOf = (files: ArtifactFile[]) => files.map((f) => [f.name, Buffer.from(f.data).toString('base64')]);
const cremboOf = (o: RunOutcome) => readModelJson(o.artifact).metadata.crembo as CremboFacts;

describe('executeRun with distill.method crembo', () => {
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
  }, 180_000);

  it('trains the student at the thresholds the search asks for and keeps the best one by validation accuracy', () => {
    const facts = cremboOf(student);
    expect(facts.grid.length).toBeGreaterThanOrEqual(2);
    expect(facts.grid.length).toBeLessThanOrEqual(4);
    expect([...facts.grid].sort((a, b) => a - b)).toEqual(facts.grid);
    // The recorded trainings are the search's own sequence, and it is over.
    for (let k = 0; k < facts.trainings.length; k++) {
      expect(cremboPlan(facts.grid.length, facts.trainings.slice(0, k)).next).toBe(facts.trainings[k]?.index);
    }
    const plan = cremboPlan(facts.grid.length, facts.trainings);
    expect(plan.next).toBeNull();
    expect(facts.memo).toBe(plan.memo);
    expect(facts.selected).toBe(cremboSelection(facts.trainings, facts.memo)?.index);
    expect(facts.depth).toBe(facts.grid[facts.selected]);
    expect(student.accuracy).toBeGreaterThan(0.5);
    expect(student.trainPath).toBe('reference');
  });

  it('reports epochs counted over its trainings, out of thresholds × epochs', () => {
    const trainings = cremboOf(student).trainings.length;
    expect(epochs.map((m) => m.epoch)).toEqual(Array.from({ length: trainings * 2 }, (_, i) => i + 1));
    expect(new Set(epochs.map((m) => m.epochs))).toEqual(new Set([runEpochs(studentConfig)]));
    expect(runEpochs(studentConfig)).toBe(8);
  });

  it('resumes inside a training and at a training boundary to the bit-identical artifact', async () => {
    for (const at of [3, 2]) {
      const from = checkpoints.find((c) => c.epoch === at) as TrainingCheckpoint;
      const resumed = await executeRun({ config: studentConfig, parent: teacher.artifact, resumeFrom: from });
      expect(resumed.accuracy).toBe(student.accuracy);
      expect(cremboOf(resumed)).toEqual(cremboOf(student));
      expect(bytesOf(resumed.artifact.files)).toEqual(bytesOf(student.artifact.files));
    }
  }, 180_000);

  it('trains a 4-bit QAT variant through the search and stores its kernels quantized', async () => {
    const qat = await executeRun({
      config: {
        ...studentConfig,
        kind: 'quantize-qat',
        quantize: { method: 'qat', bits: 4, bucketSize: 64, keepFloat: 'all-but-kernels' },
      },
      parent: teacher.artifact,
    });
    const { json } = decodeWeights(qat.artifact);
    expect(json.weights.filter((w) => w.encoding === 'uniform').map((w) => w.name)).toEqual([
      'dense_1/kernel',
      'dense_2/kernel',
    ]);
    expect(cremboOf(qat).trainings.length).toBeGreaterThan(0);
    expect(qat.accuracy).toBeGreaterThan(0.4);
  }, 180_000);

  it('trains a CNN student with the soft loss and an LMA activation', async () => {
    const cnn = await executeRun({
      config: {
        ...studentConfig,
        model: {
          family: 'cnn',
          channels: [4],
          dense: [],
          activation: { name: 'lma', segments: 4, statistics: 'recalibrate' },
        },
        train: { ...adam, epochs: 1 },
        distill: { method: 'crembo', thresholds: 3, loss: 'soft' },
      },
      parent: teacher.artifact,
    });
    expect(cremboOf(cnn).grid.length).toBeLessThanOrEqual(3);
    expect(cnn.accuracy).toBeGreaterThan(0.3);
  }, 180_000);

  it('refuses a data set without validation rows, naming the setting', async () => {
    await expect(
      executeRun({
        config: { ...studentConfig, dataset: { ...mnist, validation: 0 } },
        parent: teacher.artifact,
      }),
    ).rejects.toThrow(/dataset\.validation > 0/);
  });
});
