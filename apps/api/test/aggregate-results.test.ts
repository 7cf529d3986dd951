import { describe, expect, it } from 'vitest';
import type { ResultRow } from '../src/schemas/sweep-results.ts';
import { aggregateResults, labelWithoutSeed } from '../src/services/aggregate-results.ts';

const row = (
  group: string,
  seed: number,
  accuracy: number,
  label = `mlp 16 relu · seed ${seed}`,
): Omit<ResultRow, 'dimensions'> => ({
  runId: `00000000-0000-4000-8000-00000000000${seed}`,
  key: `s0.seed${seed}`,
  kind: 'student',
  label,
  seed,
  bits: 32,
  accuracy,
  loss: 1 - accuracy,
  parameters: 100,
  bytes: 400,
  sizeBreakdown: null,
  backend: 'wasm',
  group,
  splitDigest: null,
});

describe('labelWithoutSeed', () => {
  it('drops the seed and keeps the quantization', () => {
    expect(labelWithoutSeed('activation=lma-8 · seed 3 · ptq 4-bit')).toBe('activation=lma-8 · ptq 4-bit');
    expect(labelWithoutSeed('teacher mlp 128 relu')).toBe('teacher mlp 128 relu');
  });
});

describe('aggregateResults', () => {
  it('groups rows by group hash in order of first appearance', () => {
    const groups = aggregateResults([row('b', 1, 0.8), row('a', 1, 0.9), row('b', 2, 0.6)]);
    expect(groups.map((g) => [g.group, g.n, g.seeds])).toEqual([
      ['b', 2, [1, 2]],
      ['a', 1, [1]],
    ]);
    expect(groups[0]?.accuracy.mean).toBeCloseTo(0.7, 12);
    expect(groups[0]?.accuracy.std).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    expect(groups[0]?.runIds).toEqual([row('b', 1, 0).runId, row('b', 2, 0).runId]);
    expect(groups[1]?.accuracy).toEqual({ n: 1, mean: 0.9, std: null, ci95: null });
    expect(groups[0]?.label).toBe('mlp 16 relu');
    // 0.8 and 0.6: mean 0.7, std 0.1·√2, t(0.975, 1) = tan(0.475π) = 12.706 (Cauchy), half-width 12.706 · 0.1
    expect(groups[0]?.accuracy.ci95?.low).toBeCloseTo(0.7 - Math.tan(0.475 * Math.PI) * 0.1, 10);
    expect(groups[0]?.accuracy.ci95?.high).toBeCloseTo(0.7 + Math.tan(0.475 * Math.PI) * 0.1, 10);
  });
});
