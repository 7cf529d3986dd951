import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  countRuns,
  expandSweep,
  nominalNonzeros,
  predictRunSize,
  prunedCount,
  pruneTargets,
  resolvePruning,
  runEpochs,
  SweepSpec,
} from '../src/index.ts';

const quickstart = () => parse(readFileSync(new URL('../../../examples/quickstart.yaml', import.meta.url), 'utf8'));

describe('a sweep with prune variants', () => {
  const spec = SweepSpec.parse({
    ...quickstart(),
    prune: [
      { method: 'magnitude', sparsity: 0.95, retrainEpochs: 5 },
      { method: 'surp', sparsity: 0.9, retrainEpochs: 2, rounds: 2 },
    ],
  });
  const runs = expandSweep(spec);

  it('plans a prune run after each student and a PTQ of each pruned student, parents first', () => {
    expect(runs.map((r) => [r.key, r.kind, r.parentKey])).toEqual([
      ['teacher', 'teacher', null],
      ['s0.seed1', 'student', 'teacher'],
      ['s0.seed1.q0', 'quantize-ptq', 's0.seed1'],
      ['s0.seed1.p0', 'prune', 's0.seed1'],
      ['s0.seed1.p0.q0', 'quantize-ptq', 's0.seed1.p0'],
      ['s0.seed1.p1', 'prune', 's0.seed1'],
      ['s0.seed1.p1.q0', 'quantize-ptq', 's0.seed1.p1'],
      ['s1.seed1', 'student', 'teacher'],
      ['s1.seed1.q0', 'quantize-ptq', 's1.seed1'],
      ['s1.seed1.p0', 'prune', 's1.seed1'],
      ['s1.seed1.p0.q0', 'quantize-ptq', 's1.seed1.p0'],
      ['s1.seed1.p1', 'prune', 's1.seed1'],
      ['s1.seed1.p1.q0', 'quantize-ptq', 's1.seed1.p1'],
    ]);
    expect(countRuns(spec)).toBe(runs.length);
  });

  it('labels the chain and stores the resolved pruning with the student training it retrains with', () => {
    const p0 = runs.find((r) => r.key === 's0.seed1.p0');
    const chained = runs.find((r) => r.key === 's0.seed1.p1.q0');
    expect(p0?.label).toBe('activation=relu · seed 1 · magnitude 95%');
    expect(chained?.label).toMatch(/^activation=relu · seed 1 · surp 90% 2 rounds retrain 2 · ptq 8-bit · /);
    expect(p0?.config.prune).toEqual({ method: 'magnitude', sparsity: 0.95, retrainEpochs: 5, rounds: 3 });
    expect(p0?.config.train).toEqual(runs.find((r) => r.key === 's0.seed1')?.config.train);
    expect(chained?.config.prune).toEqual({ method: 'surp', sparsity: 0.9, retrainEpochs: 2, rounds: 2, alpha: 10 });
    expect(chained?.config.train).toBeNull();
    expect(runEpochs(p0?.config as never)).toBe(15);
    expect(runEpochs(chained?.config as never)).toBe(0);
  });

  it('keeps the identities of the runs without pruning: the same hashes and groups as before pruning existed', () => {
    // Computed on main before `prune` existed, for examples/quickstart.yaml.
    const before = [
      ['teacher', '68af0e073051c99b', '5cc27d7649f5eb8d'],
      ['s0.seed1', 'ba041d5c3b987336', 'fbd67cad49d6d0a9'],
      ['s0.seed1.q0', '136213852fddf79b', '038a28c3cd0b26f9'],
      ['s1.seed1', 'bab3f9aaba13c3b0', 'b87bef07dfd1d0a3'],
      ['s1.seed1.q0', '08fee78d7cdc3273', 'eec2563920eef8e9'],
    ];
    const plain = expandSweep(SweepSpec.parse(quickstart()));
    expect(plain.map((r) => [r.key, r.hash.slice(0, 16), r.group.slice(0, 16)])).toEqual(before);
    const same = runs.filter((r) => r.config.prune === undefined);
    expect(same.map((r) => [r.key, r.hash.slice(0, 16), r.group.slice(0, 16)])).toEqual(before);
    expect(plain.every((r) => !('prune' in r.config))).toBe(true);
  });

  it('gives replicates of a pruned student one group, and pruned variants of different students different ones', () => {
    const seeds = expandSweep(
      SweepSpec.parse({ ...quickstart(), seeds: [1, 2], prune: [{ method: 'magnitude', sparsity: 0.9 }] }),
    );
    const group = (key: string) => seeds.find((r) => r.key === key)?.group;
    expect(group('s0.seed1.p0')).toBe(group('s0.seed2.p0'));
    expect(group('s0.seed1.p0')).not.toBe(group('s1.seed1.p0'));
    expect(group('s0.seed1.p0.q0')).toBe(group('s0.seed2.p0.q0'));
  });

  it('rejects pruning SMH students, which store no weight matrices, naming the prune entry', () => {
    const base = quickstart();
    const smh = SweepSpec.safeParse({
      ...base,
      students: { ...base.students, model: { ...base.students.model, smh: { fraction: 0.1 } } },
      prune: [{ method: 'magnitude', sparsity: 0.9 }],
    });
    expect(smh.success).toBe(false);
    expect(smh.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['prune.0', expect.stringMatching(/SMH student \(model.smh\) stores none/)],
    ]);
  });

  it('rejects a sparsity outside (0, 1) and an unknown method with the field path', () => {
    const bad = SweepSpec.safeParse({ ...quickstart(), prune: [{ method: 'random', sparsity: 1 }] });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['prune.0.method', 'prune.0.sparsity']));
  });
});

describe('pruning sizes before the run', () => {
  const spec = SweepSpec.parse({ ...quickstart(), prune: [{ method: 'magnitude', sparsity: 0.95 }] });
  const runs = expandSweep(spec);

  it('are exact for magnitude pruning: a bitmap per weight matrix and the float32 nonzeros', () => {
    const p = runs.find((r) => r.key === 's0.seed1.p0');
    const kernels = 784 * 16 + 16 * 10;
    const kept = kernels - prunedCount(kernels, 0.95);
    expect(p?.size.estimated).toBe(false);
    expect(p?.size.indexBytes).toBe(Math.ceil((784 * 16) / 8) + Math.ceil((16 * 10) / 8));
    expect(p?.size.prunedValues).toBe(prunedCount(kernels, 0.95));
    // Biases (16 + 10) and BatchNorm (4 × 16) stay float32.
    expect(p?.size.floatBytes).toBe(kept * 4 + (16 + 10 + 4 * 16) * 4);
    expect(p?.size.bytes).toBe(p ? p.size.indexBytes + p.size.floatBytes : -1);
  });

  it('are estimates for a PTQ of a pruned student, whose per-tensor survivors the run decides', () => {
    const q = runs.find((r) => r.key === 's0.seed1.p0.q0');
    expect(q?.size.estimated).toBe(true);
    expect(q?.size.quantizedValues).toBe(784 * 16 + 16 * 10 - prunedCount(784 * 16 + 16 * 10, 0.95));
  });

  it('split the nonzeros over the tensors in proportion, exactly in total', () => {
    const tensors = [
      { name: 'dense_1/kernel', shape: [10, 3], trainable: true },
      { name: 'dense_1/bias', shape: [3], trainable: true },
      { name: 'dense_2/kernel', shape: [3, 7], trainable: true },
    ];
    // 51 kernel values, 90% pruned: 46 pruned, 5 kept, split 30:21 → 2.94 and 2.06 → 3 and 2.
    expect([...nominalNonzeros(tensors, 0.9)]).toEqual([
      [0, 3],
      [2, 2],
    ]);
  });

  it('shrink the density geometrically over the rounds, ending at the target', () => {
    const targets = pruneTargets({ sparsity: 0.99, rounds: 2 });
    expect(targets[0]).toBeCloseTo(0.9, 12);
    expect(targets[1]).toBe(0.99);
    expect(resolvePruning({ method: 'surp', sparsity: 0.5 })).toEqual({
      method: 'surp',
      sparsity: 0.5,
      retrainEpochs: 5,
      rounds: 3,
      alpha: 10,
    });
    expect(
      predictRunSize({
        ...runs[1]?.config,
        kind: 'prune',
        prune: resolvePruning({ method: 'surp', sparsity: 0.9 }),
      } as never).estimated,
    ).toBe(true);
  });
});
