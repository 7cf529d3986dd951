import { describe, expect, it } from 'vitest';
import { packable, packKey, type RunConfig, type StudentRunConfig } from '../src/index.ts';

const student: StudentRunConfig = {
  kind: 'student',
  dataset: { name: 'synthetic', limit: { train: 200, test: 100 } },
  model: { family: 'mlp', hidden: [16], activation: 'relu' },
  train: { epochs: 2, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } },
  seed: 1,
  distill: { temperature: 2, alpha: 0.7 },
  quantize: null,
};

describe('packKey', () => {
  it('packs replicates, distillation settings, learning rates and schedules of one student together', () => {
    expect(packKey(student)).not.toBeNull();
    expect(packable(student, { ...student, seed: 7 })).toBe(true);
    expect(packable(student, { ...student, distill: { temperature: 4, alpha: 0.3 } })).toBe(true);
    expect(
      packable(student, {
        ...student,
        train: { ...student.train, optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 }, schedule: { name: 'cosine' } },
      }),
    ).toBe(true);
  });

  it('packs activations whose parameters have the same shapes, and not others', () => {
    const prelu = { ...student, model: { ...student.model, activation: { name: 'prelu', slopes: 'layer' } } };
    const swish = { ...student, model: { ...student.model, activation: { name: 'swish', beta: 'layer' } } };
    expect(packable(prelu as RunConfig, swish as RunConfig)).toBe(true);
    const lma = { ...student, model: { ...student.model, activation: { name: 'lma', segments: 8 } } };
    expect(packable(student, lma as RunConfig)).toBe(false);
  });

  it('keeps runs with another data set, batch size, epoch count, width or kind apart', () => {
    expect(packable(student, { ...student, dataset: { ...student.dataset, limit: { train: 300, test: 100 } } })).toBe(
      false,
    );
    expect(packable(student, { ...student, train: { ...student.train, batchSize: 64 } })).toBe(false);
    expect(packable(student, { ...student, train: { ...student.train, epochs: 3 } })).toBe(false);
    expect(packable(student, { ...student, model: { family: 'mlp', hidden: [32], activation: 'relu' } })).toBe(false);
    const qat: RunConfig = {
      ...student,
      kind: 'quantize-qat',
      quantize: { method: 'qat', bits: 4, bucketSize: 256, keepFloat: 'none' },
    };
    expect(packKey(qat)).not.toBeNull();
    expect(packable(student, qat)).toBe(false);
  });

  it('never packs teachers, PTQ, iPQ, CREMBO or SMH runs', () => {
    const teacher: RunConfig = { ...student, kind: 'teacher', distill: null };
    expect(packKey(teacher)).toBeNull();
    const ptq: RunConfig = {
      ...student,
      kind: 'quantize-ptq',
      train: null,
      quantize: { method: 'ptq', bits: 4, bucketSize: 256, keepFloat: 'none' },
    };
    expect(packKey(ptq)).toBeNull();
    const smh = { ...student, model: { ...student.model, smh: { fraction: 0.5 } } } as RunConfig;
    expect(packKey(smh)).toBeNull();
    expect(packKey({ ...student, distill: { method: 'crembo' } })).toBeNull();
    expect(packable(teacher, teacher)).toBe(false);
  });
});
