import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  canonicalHash,
  countRuns,
  expandSweep,
  hasBatchNormStatistics,
  packable,
  packKey,
  predictRunSize,
  runEpochs,
  runSyntheticData,
  SweepSpec,
  sweepSyntheses,
  syntheticDataBytes,
  toValidationIssues,
} from '../src/index.ts';

const quickstart = () => parse(readFileSync(new URL('../../../examples/quickstart.yaml', import.meta.url), 'utf8'));
const bnTeacher = () => {
  const spec = quickstart();
  return { ...spec, teacher: { ...spec.teacher, model: { ...spec.teacher.model, batchNorm: true } } };
};

describe('a sweep whose students train on synthetic data', () => {
  const base = bnTeacher();
  const spec = SweepSpec.parse({
    ...base,
    students: { ...base.students, data: { source: 'synthetic', method: 'bns', samples: 500, steps: 20 } },
    quantize: [
      { method: 'ptq', bits: 8 },
      { method: 'qat', bits: 4 },
    ],
    seeds: [1, 2],
  });
  const runs = expandSweep(spec);

  it('plans one synthesize run after the teacher, and every student and QAT run after it', () => {
    expect(runs.map((r) => [r.key, r.kind, r.parentKey])).toEqual([
      ['teacher', 'teacher', null],
      ['d0', 'synthesize', 'teacher'],
      ['s0.seed1', 'student', 'd0'],
      ['s0.seed1.q0', 'quantize-ptq', 's0.seed1'],
      ['s0.seed1.q1', 'quantize-qat', 'd0'],
      ['s0.seed2', 'student', 'd0'],
      ['s0.seed2.q0', 'quantize-ptq', 's0.seed2'],
      ['s0.seed2.q1', 'quantize-qat', 'd0'],
      ['s1.seed1', 'student', 'd0'],
      ['s1.seed1.q0', 'quantize-ptq', 's1.seed1'],
      ['s1.seed1.q1', 'quantize-qat', 'd0'],
      ['s1.seed2', 'student', 'd0'],
      ['s1.seed2.q0', 'quantize-ptq', 's1.seed2'],
      ['s1.seed2.q1', 'quantize-qat', 'd0'],
    ]);
    expect(countRuns(spec)).toBe(runs.length);
  });

  it('stores the resolved data in the synthesize run and in every run trained on it', () => {
    const data = { source: 'synthetic', method: 'bns', samples: 500, steps: 20, batchSize: 256, lr: 0.05, seed: 0 };
    const d0 = runs.find((r) => r.key === 'd0');
    expect(d0?.config).toEqual({
      kind: 'synthesize',
      dataset: spec.dataset,
      model: null,
      train: null,
      seed: 0,
      distill: null,
      quantize: null,
      data,
    });
    expect(d0?.label).toBe('synthetic bns 500 · seed 0');
    for (const r of runs.filter((x) => x.kind !== 'teacher' && x.kind !== 'synthesize')) {
      expect(runSyntheticData(r.config)).toEqual(data);
      expect(r.label).toContain('synthetic bns 500');
    }
    // Two batches of 256: its progress and checkpoints.
    expect(runEpochs(d0?.config as never)).toBe(2);
  });

  it('predicts the synthesize run’s bytes as one byte a value and two a label', () => {
    const d0 = runs.find((r) => r.key === 'd0');
    expect(d0?.size.bytes).toBe(syntheticDataBytes({ samples: 500 }, 784));
    expect(d0?.size).toMatchObject({ codeBytes: 500 * 784, headerBytes: 1000, floatBytes: 0, estimated: false });
    // A student's size does not depend on its data.
    const student = runs.find((r) => r.key === 's0.seed1');
    const { data: _data, ...onReal } = (student?.config ?? {}) as Record<string, unknown>;
    expect(student?.size).toEqual(predictRunSize(onReal as never));
  });

  it('packs students on the same synthetic data together, never with students on other data', () => {
    const [a, b] = runs.filter((r) => r.kind === 'student').map((r) => r.config);
    const real = expandSweep(SweepSpec.parse(bnTeacher())).find((r) => r.kind === 'student')?.config;
    const other = { ...a, data: { ...(runSyntheticData(a as never) ?? {}), method: 'gaussian' } } as never;
    expect(packable(a as never, b as never)).toBe(true);
    expect(packable(a as never, other)).toBe(false);
    expect(packable(a as never, real as never)).toBe(false);
    expect(packKey(runs.find((r) => r.kind === 'synthesize')?.config as never)).toBeNull();
  });

  it('keeps the hashes of runs on real data: their configs have no data key', () => {
    const real = expandSweep(SweepSpec.parse(quickstart()));
    for (const r of real) expect(Object.hasOwn(r.config, 'data')).toBe(false);
    const explicit = expandSweep(
      SweepSpec.parse({ ...quickstart(), students: { ...quickstart().students, data: { source: 'real' } } }),
    );
    expect(explicit.map((r) => r.hash)).toEqual(real.map((r) => r.hash));
  });

  it('shares one synthesis per data configuration across a grid over data.source and data.method', () => {
    const grid = SweepSpec.parse({
      ...base,
      teacher: { ...base.teacher },
      students: {
        ...base.students,
        grid: { 'data.source': ['real', 'synthetic'], 'data.method': ['bns', 'gaussian'] },
      },
      quantize: [],
    });
    const planned = expandSweep(grid);
    expect(
      planned
        .filter((r) => r.kind === 'synthesize')
        .map((r) => [r.key, r.config.kind === 'synthesize' ? r.config.data.method : null]),
    ).toEqual([
      ['d0', 'bns'],
      ['d1', 'gaussian'],
    ]);
    // real × bns and real × gaussian are one configuration twice: the same hash, the teacher as parent.
    const students = planned.filter((r) => r.kind === 'student');
    expect(students.map((r) => r.parentKey)).toEqual(['teacher', 'teacher', 'd0', 'd1']);
    expect(students[0]?.hash).toBe(students[1]?.hash);
    expect(countRuns(grid)).toBe(planned.length);
    expect(canonicalHash(students[2]?.config)).not.toBe(canonicalHash(students[0]?.config));
  });
});

describe('the synthetic data of a sweep', () => {
  it('lists each distinct data configuration of the grid once, none for real data', () => {
    const students = { ...quickstart().students, data: { method: 'gaussian' } };
    expect(sweepSyntheses(students)).toEqual([]);
    const grid = sweepSyntheses({
      ...students,
      grid: { 'data.source': ['real', 'synthetic'], 'data.method': ['bns', 'gaussian', 'bns'] },
    });
    expect(grid.map((d) => d.method)).toEqual(['bns', 'gaussian']);
  });

  it('reads BatchNorm statistics off weight tensor names', () => {
    expect(hasBatchNormStatistics([{ name: 'bn/moving_mean' }, { name: 'bn/moving_variance' }])).toBe(true);
    expect(hasBatchNormStatistics([{ name: 'd1/kernel' }, { name: 'bn/gamma' }])).toBe(false);
  });
});

describe('validation of synthetic data', () => {
  const issues = (spec: unknown) => {
    const parsed = SweepSpec.safeParse(spec);
    return parsed.success ? [] : toValidationIssues(parsed.error);
  };

  it('refuses bns from a teacher trained without BatchNorm, naming the field and the rule', () => {
    const spec = quickstart();
    expect(issues({ ...spec, students: { ...spec.students, data: { source: 'synthetic' } } })).toEqual([
      {
        path: 'students.data.method',
        message:
          "data.method bns matches the teacher's BatchNorm statistics, and the teacher (teacher.model.batchNorm: false) " +
          'has no BatchNorm layer: train the teacher with model.batchNorm: true, or use data.method gaussian or inception',
      },
    ]);
  });

  it('accepts gaussian and inception from a teacher without BatchNorm', () => {
    const spec = quickstart();
    for (const method of ['gaussian', 'inception']) {
      expect(issues({ ...spec, students: { ...spec.students, data: { source: 'synthetic', method } } })).toEqual([]);
    }
  });

  it('blames the grid entry that asks for bns', () => {
    const spec = quickstart();
    const got = issues({
      ...spec,
      students: { ...spec.students, data: { source: 'synthetic' }, grid: { 'data.method': ['gaussian', 'bns'] } },
    });
    expect(got.map((i) => i.path)).toEqual(['students.grid["data.method"][1]']);
  });

  it('refuses synthetic data together with pruned variants', () => {
    const spec = bnTeacher();
    const got = issues({
      ...spec,
      students: { ...spec.students, data: { source: 'synthetic' } },
      prune: [{ method: 'magnitude', sparsity: 0.5 }],
    });
    expect(got).toEqual([
      {
        path: 'students.data.source',
        message:
          'synthetic data cannot be combined with prune: pruned variants retrain on the training split, which a ' +
          'data-free student never sees',
      },
    ]);
  });

  it('refuses an unknown method and a sample count out of range, with the field', () => {
    const spec = bnTeacher();
    const got = issues({
      ...spec,
      students: { ...spec.students, data: { source: 'synthetic', method: 'dream', samples: 0 } },
    });
    expect(got.map((i) => i.path).sort()).toEqual(['students.data.method', 'students.data.samples']);
  });
});
