import { describe, expect, it } from 'vitest';
import { LearningRateSchedule } from '../src/train/schedule.ts';

describe('LearningRateSchedule', () => {
  it('keeps a constant rate', () => {
    const s = new LearningRateSchedule(0.1, 5);
    expect([1, 2, 5].map((e) => s.rate(e))).toEqual([0.1, 0.1, 0.1]);
  });

  it('decays by gamma every `every` epochs', () => {
    const s = new LearningRateSchedule(1, 10, { name: 'step', every: 2, gamma: 0.5 });
    expect([1, 2, 3, 4, 5].map((e) => s.rate(e))).toEqual([1, 1, 0.5, 0.5, 0.25]);
  });

  it('follows a half cosine per epoch towards minFactor × base, as PyTorch CosineAnnealingLR(T_max = epochs)', () => {
    const s = new LearningRateSchedule(1, 4, { name: 'cosine', minFactor: 0.1 });
    // lr_e = min + (1 − min)(1 + cos(π e / 4))/2 for e = 0…3: the last epoch still trains above the minimum.
    expect([1, 2, 3, 4].map((e) => s.rate(e))).toEqual(
      [0, 1, 2, 3].map((e) => 0.1 + (0.9 * (1 + Math.cos((Math.PI * e) / 4))) / 2),
    );
    expect(s.rate(1)).toBeCloseTo(1, 10);
    expect(s.rate(3)).toBeCloseTo(0.55, 10);
    expect(s.rate(4)).toBeGreaterThan(0.1);
    const two = new LearningRateSchedule(1, 2, { name: 'cosine' });
    expect([two.rate(1), two.rate(2)]).toEqual([1, 0.5]); // no epoch at rate 0
  });

  it('halves the rate after more than `patience` epochs without improvement', () => {
    const s = new LearningRateSchedule(0.1, 10, { name: 'plateau', patience: 1 });
    s.observe(1.0);
    s.observe(0.9); // improved
    expect(s.rate(3)).toBe(0.1);
    s.observe(0.95); // 1 stale epoch: within patience
    expect(s.rate(4)).toBe(0.1);
    s.observe(0.92); // 2 stale epochs: halve
    expect(s.rate(5)).toBe(0.05);
    s.observe(0.5);
    expect(s.rate(6)).toBe(0.05);
  });
});
