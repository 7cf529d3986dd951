import { describe, expect, it } from 'vitest';
import { pairConfigurations, type SideRecord } from '../src/services/pair-configurations.ts';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function side(overrides: Partial<SideRecord> & Pick<SideRecord, 'value' | 'seeds' | 'accuracies'>): SideRecord {
  return {
    context: '1',
    variant: null,
    quantize: null,
    group: `g-${overrides.value}`,
    kind: 'student',
    dataset: 'mnist',
    teacherId: null,
    runIds: overrides.seeds.map((_, i) => id(i + (overrides.value === 'relu' ? 100 : 200))),
    parameters: 100,
    bytes: 400,
    label: `activation=${overrides.value} · seed 1`,
    rep: id(1),
    ...overrides,
  };
}

describe('pairConfigurations', () => {
  it('pairs runs on seed and uses a replicate of a repeated seed once', () => {
    const { pairs } = pairConfigurations(
      [
        side({ value: 'relu', seeds: [1, 2, 2], accuracies: [0.8, 0.7, 0.7] }),
        side({ value: 'lma-8', seeds: [2, 1, 3], accuracies: [0.75, 0.82, 0.9] }),
      ],
      'relu',
    );
    expect(pairs).toHaveLength(1);
    const seedPairs = pairs[0]?.seedPairs ?? [];
    expect(seedPairs.map((p) => [p.seed, p.difference])).toEqual([
      [1, expect.closeTo(0.02, 12)],
      [2, expect.closeTo(0.05, 12)],
    ]);
    const runs = seedPairs.flatMap((p) => [p.aRunId, p.bRunId]);
    expect(new Set(runs).size).toBe(runs.length);
  });

  it('pairs a float configuration with each of its quantized variants, each in its own stratum', () => {
    const ptq = { method: 'ptq', bits: 4, bucketSize: 256, keepFloat: 'first-last' } as const;
    const qat = { ...ptq, method: 'qat' } as const;
    const { pairs, unpaired } = pairConfigurations(
      [
        side({ value: '32', seeds: [1], accuracies: [0.8] }),
        side({ value: '4', group: 'p', seeds: [1], accuracies: [0.7], quantize: ptq, variant: { method: 'ptq' } }),
        side({ value: '4', group: 'q', seeds: [1], accuracies: [0.75], quantize: qat, variant: { method: 'qat' } }),
      ],
      '32',
    );
    expect(pairs.map((p) => [p.a.quantization, p.b.quantization])).toEqual([
      ['float', 'ptq 4-bit'],
      ['float', 'qat 4-bit'],
    ]);
    expect(new Set(pairs.map((p) => p.stratumKey)).size).toBe(2);
    expect(unpaired).toEqual({ a: 0, b: 0 });
  });

  it('does not pair two quantized variants that differ in more than the compared field', () => {
    const ptq4 = { method: 'ptq', bits: 4, bucketSize: 256, keepFloat: 'first-last' } as const;
    const qat8 = { ...ptq4, method: 'qat', bits: 8 } as const;
    const { pairs, unpaired } = pairConfigurations(
      [
        side({ value: '4', seeds: [1], accuracies: [0.7], quantize: ptq4, variant: { method: 'ptq' } }),
        side({ value: '8', seeds: [1], accuracies: [0.8], quantize: qat8, variant: { method: 'qat' } }),
      ],
      '4',
    );
    expect(pairs).toEqual([]);
    expect(unpaired).toEqual({ a: 1, b: 1 });
  });

  it('counts configurations without a partner in their context as unpaired', () => {
    const { pairs, unpaired } = pairConfigurations(
      [
        side({ value: 'relu', seeds: [1], accuracies: [0.8] }),
        side({ value: 'lma-8', context: '2', seeds: [1], accuracies: [0.8] }),
      ],
      'relu',
    );
    expect(pairs).toEqual([]);
    expect(unpaired).toEqual({ a: 1, b: 1 });
  });
});
