import { describe, expect, it } from 'vitest';
import type { ResultRow } from '../src/schemas/sweep-results.ts';
import { aggregateResults, labelWithoutSeed, meanStd } from '../src/services/aggregate-results.ts';

const row = (group: string, seed: number, accuracy: number, label = `mlp 16 relu · seed ${seed}`): ResultRow => ({
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
  backend: 'wasm',
  group,
});

describe('meanStd', () => {
  it('uses the sample standard deviation (n − 1)', () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squares 32, sample variance 32/7.
    const { mean, std } = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(mean).toBe(5);
    expect(std).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });

  it('has no std for a single value', () => {
    expect(meanStd([0.5])).toEqual({ mean: 0.5, std: null });
  });
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
    expect(groups[0]?.label).toBe('mlp 16 relu');
  });
});
