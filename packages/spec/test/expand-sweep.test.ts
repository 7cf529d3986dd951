import { describe, expect, it } from 'vitest';
import { canonicalHash, DEFAULT_LMA_STATISTICS, expandSweep, planIdentities, SweepSpec } from '../src/index.ts';

const spec = SweepSpec.parse({
  name: 'expand',
  dataset: { name: 'mnist' },
  teacher: {
    model: { family: 'mlp', hidden: [64], activation: 'relu' },
    train: { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.001 } },
    seed: 7,
  },
  students: {
    model: { family: 'mlp', hidden: [8], activation: 'relu' },
    train: { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.001 } },
    grid: { 'model.activation': ['relu', { name: 'lma', segments: 4 }], 'distill.alpha': [0, 0.7] },
  },
  quantize: [
    { method: 'ptq', bits: 8 },
    { method: 'qat', bits: 4 },
  ],
  seeds: [1, 2],
});

describe('expandSweep', () => {
  const runs = expandSweep(spec);

  it('plans a teacher, a student per grid point and seed, and each quantized variant', () => {
    expect(runs).toHaveLength(1 + 4 * 2 * 3);
    expect(runs.filter((r) => r.kind === 'teacher')).toHaveLength(1);
    expect(runs.filter((r) => r.kind === 'student')).toHaveLength(8);
    expect(runs.filter((r) => r.kind === 'quantize-ptq')).toHaveLength(8);
    expect(runs.filter((r) => r.kind === 'quantize-qat')).toHaveLength(8);
  });

  it('lists parents before children and wires PTQ to its student, students and QAT to the teacher', () => {
    const index = new Map(runs.map((r, i) => [r.key, i]));
    for (const r of runs) {
      if (r.parentKey !== null) expect(index.get(r.parentKey)).toBeLessThan(index.get(r.key) as number);
      const parent = runs.find((p) => p.key === r.parentKey);
      if (r.kind === 'quantize-ptq') expect(parent?.kind).toBe('student');
      if (r.kind === 'student' || r.kind === 'quantize-qat') expect(parent?.kind).toBe('teacher');
    }
  });

  it('gives replicates the same group and distinct keys', () => {
    const students = runs.filter((r) => r.kind === 'student');
    expect(new Set(students.map((r) => r.key)).size).toBe(8);
    expect(new Set(students.map((r) => r.group)).size).toBe(4);
    expect(students[0]?.group).toBe(students[1]?.group);
    expect(students[0]?.config.seed).not.toBe(students[1]?.config.seed);
  });

  describe('when students differ only in training', () => {
    const planned = expandSweep(
      SweepSpec.parse({
        ...spec,
        students: { ...spec.students, grid: { 'train.epochs': [1, 3] } },
        quantize: [{ method: 'ptq', bits: 8 }],
      }),
    );
    const ptq = planned.filter((r) => r.kind === 'quantize-ptq');

    it("keeps their PTQ variants apart: a variant's group includes its student's training, seeds still replicate", () => {
      expect(ptq.map((r) => [r.key, r.config.train])).toEqual([
        ['s0.seed1.q0', null],
        ['s0.seed2.q0', null],
        ['s1.seed1.q0', null],
        ['s1.seed2.q0', null],
      ]);
      const groups = ptq.map((r) => r.group);
      expect(groups[0]).toBe(groups[1]);
      expect(groups[2]).toBe(groups[3]);
      expect(groups[0]).not.toBe(groups[2]);
      // Their configurations are equal, so are their hashes; the identities tell them apart through the students.
      expect(ptq[0]?.hash).toBe(ptq[2]?.hash);
      const identities = planIdentities(planned);
      expect(identities.get('s0.seed1.q0')).not.toBe(identities.get('s1.seed1.q0'));
    });

    it('keeps the group of every other run: the hash of its configuration without the seed', () => {
      for (const r of planned.filter((p) => p.kind !== 'quantize-ptq')) {
        const { seed: _seed, ...withoutSeed } = r.config;
        expect(r.group).toBe(canonicalHash(withoutSeed));
      }
    });
  });

  it('applies the grid values to the student configuration', () => {
    const lma = runs.find((r) => r.kind === 'student' && r.label.includes('lma-4') && r.label.includes('alpha=0 '));
    expect(lma?.config.model).toMatchObject({
      activation: { name: 'lma', segments: 4, statistics: DEFAULT_LMA_STATISTICS },
    });
    expect(lma?.config.distill).toEqual({ temperature: 2, alpha: 0 });
  });

  it("writes LMA's default statistics into each run's configuration, and keeps a sweep's explicit choice", () => {
    const explicit = SweepSpec.parse({
      ...spec,
      students: {
        ...spec.students,
        grid: { 'model.activation': [{ name: 'lma', segments: 4, statistics: 'moving-average' }] },
      },
    });
    const students = expandSweep(explicit).filter((r) => r.kind === 'student');
    expect(
      students.map((r) => (r.config.model && 'activation' in r.config.model ? r.config.model.activation : null)),
    ).toEqual([
      { name: 'lma', segments: 4, statistics: 'moving-average' },
      { name: 'lma', segments: 4, statistics: 'moving-average' },
    ]);
    // Naming the default gives the very runs that leaving it out gives (same configuration, same hash).
    const named = SweepSpec.parse({
      ...spec,
      students: {
        ...spec.students,
        grid: {
          ...spec.students.grid,
          'model.activation': ['relu', { name: 'lma', segments: 4, statistics: DEFAULT_LMA_STATISTICS }],
        },
      },
    });
    const hashes = (planned: typeof runs) => planned.filter((r) => r.kind === 'student').map((r) => r.hash);
    expect(hashes(expandSweep(named))).toEqual(hashes(runs));
  });

  it('is deterministic', () => {
    expect(expandSweep(spec)).toEqual(runs);
  });

  it('waits on an existing teacher when the sweep reuses one', () => {
    const reuse = SweepSpec.parse({ ...spec, teacher: { runId: 'abc' } });
    const planned = expandSweep(reuse);
    expect(planned.some((r) => r.kind === 'teacher')).toBe(false);
    expect(planned.filter((r) => r.kind === 'student').every((r) => r.parentRunId === 'abc')).toBe(true);
  });
});
