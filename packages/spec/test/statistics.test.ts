import { describe, expect, it } from 'vitest';
import { comparisonVerdict, describeSample, formatP, pairedComparison, StatisticsError } from '../src/index.ts';

// Expected values are computed by hand, independently of the library under test:
// - Student t with 2 degrees of freedom has closed forms: F(t) = 1/2 + t / (2·√(2 + t²)), so the two-sided
//   p-value is 1 − |t| / √(2 + t²), and the quantile is Q(q) = (2q − 1) / √(2q(1 − q)).
// - With 1 degree of freedom it is the Cauchy distribution: two-sided p = 1 − (2/π)·atan(|t|), Q(q) = tan(π(q − ½)).
// - For 4 degrees of freedom the printed t table gives t(0.975, 4) = 2.776.
const t975df2 = 0.95 / Math.sqrt(2 * 0.975 * 0.025); // 4.3027
const t975df1 = Math.tan(Math.PI * 0.475); // 12.706

const pairsWithDifferences = (d: number[]) => d.map((x, i) => ({ a: 10 + i + x, b: 10 + i }));

describe('describeSample', () => {
  it('gives mean 3, std √7 and 3 ± t(0.975, 2)·√(7/3) for the values 1, 2, 6', () => {
    // deviations −2, −1, 3 → squares 4 + 1 + 9 = 14 → variance 14 / 2 = 7
    const s = describeSample([1, 2, 6]);
    expect(s.n).toBe(3);
    expect(s.mean).toBeCloseTo(3, 12);
    expect(s.std).toBeCloseTo(Math.sqrt(7), 12);
    expect(s.ci95?.low).toBeCloseTo(3 - t975df2 * Math.sqrt(7 / 3), 10);
    expect(s.ci95?.high).toBeCloseTo(3 + t975df2 * Math.sqrt(7 / 3), 10);
  });

  it('uses the t table quantile 2.776 for five values', () => {
    // 2, 4, 4, 4, 6: mean 4, squares 4 + 0 + 0 + 0 + 4 = 8, variance 2, standard error √(2/5)
    const s = describeSample([2, 4, 4, 4, 6]);
    const half = (s.ci95?.high ?? 0) - 4;
    expect(half / Math.sqrt(2 / 5)).toBeCloseTo(2.776, 3);
  });

  it('reports no spread and no interval for a single replicate', () => {
    expect(describeSample([0.9])).toEqual({ n: 1, mean: 0.9, std: null, ci95: null });
  });

  it('refuses an empty sample and non-finite values with a code', () => {
    expect(() => describeSample([])).toThrow(StatisticsError);
    expect(() => describeSample([1, Number.NaN])).toThrow(/values\[1\] is NaN/);
  });
});

describe('pairedComparison', () => {
  it('tests differences 1, 2, 6: t = √(27/7), p = 1 − √(27/41), df = 2', () => {
    const r = pairedComparison(pairsWithDifferences([1, 2, 6]));
    expect(r.status).toBe('tested');
    expect(r.n).toBe(3);
    expect(r.df).toBe(2);
    expect(r.meanDifference).toBeCloseTo(3, 10);
    expect(r.std).toBeCloseTo(Math.sqrt(7), 10);
    expect(r.t).toBeCloseTo(Math.sqrt(27 / 7), 10);
    expect(r.p).toBeCloseTo(1 - Math.sqrt(27 / 41), 10); // 0.18850
    expect(r.ci95?.low).toBeCloseTo(3 - t975df2 * Math.sqrt(7 / 3), 10);
  });

  it('is symmetric: swapping a and b flips the sign and keeps the p-value', () => {
    const pairs = pairsWithDifferences([1, 2, 6]);
    const swapped = pairedComparison(pairs.map(({ a, b }) => ({ a: b, b: a })));
    expect(swapped.meanDifference).toBeCloseTo(-3, 10);
    expect(swapped.t).toBeCloseTo(-Math.sqrt(27 / 7), 10);
    expect(swapped.p).toBeCloseTo(1 - Math.sqrt(27 / 41), 10);
    expect(swapped.ci95?.high).toBeCloseTo(-3 + t975df2 * Math.sqrt(7 / 3), 10);
  });

  it('matches the Cauchy closed form for two pairs (differences 1 and 3: t = 2)', () => {
    const r = pairedComparison(pairsWithDifferences([1, 3]));
    expect(r.t).toBeCloseTo(2, 10);
    expect(r.p).toBeCloseTo(1 - (2 / Math.PI) * Math.atan(2), 10); // 0.29517
    expect(r.ci95?.low).toBeCloseTo(2 - t975df1, 8);
  });

  it('claims no p-value when every pair differs by the same amount', () => {
    const r = pairedComparison([
      { a: 0.3, b: 0.1 },
      { a: 0.4, b: 0.2 },
      { a: 0.9, b: 0.7 },
    ]);
    expect(r.status).toBe('zero-variance');
    expect(r.t).toBeNull();
    expect(r.p).toBeNull();
    expect(r.meanDifference).toBeCloseTo(0.2, 12);
    expect(r.ci95?.low).toBe(r.meanDifference);
  });

  it('reports too few pairs for zero or one pair', () => {
    expect(pairedComparison([]).status).toBe('too-few-pairs');
    expect(pairedComparison([]).meanDifference).toBeNull();
    const one = pairedComparison([{ a: 2, b: 1 }]);
    expect([one.status, one.meanDifference, one.p, one.ci95]).toEqual(['too-few-pairs', 1, null, null]);
  });
});

describe('comparisonVerdict', () => {
  const labels = { a: 'LMA', b: 'ReLU' };
  // differences 2, 3, 4: mean 3, std 1, t = 3√3, p = 1 − √(27/29) = 0.0351
  const significant = pairedComparison(pairsWithDifferences([2, 3, 4]));

  it('names the better side with p and n when the test rejects equality', () => {
    expect(significant.p).toBeCloseTo(1 - Math.sqrt(27 / 29), 10);
    expect(comparisonVerdict(significant, labels)).toBe('LMA better, p = 0.035, n = 3');
  });

  it('names b when a smaller value is better', () => {
    expect(comparisonVerdict(significant, labels, 0.05, { better: 'lower' })).toBe('ReLU better, p = 0.035, n = 3');
  });

  it('says no detectable difference when p is above alpha (and at a stricter alpha)', () => {
    expect(comparisonVerdict(pairedComparison(pairsWithDifferences([1, 2, 6])), labels)).toBe(
      'no detectable difference at n = 3 (p = 0.19)',
    );
    expect(comparisonVerdict(significant, labels, 0.01)).toBe('no detectable difference at n = 3 (p = 0.035)');
  });

  it('explains the cases without a test', () => {
    expect(comparisonVerdict(pairedComparison([]), labels)).toBe('no pairs to compare');
    expect(comparisonVerdict(pairedComparison([{ a: 1, b: 0 }]), labels)).toBe(
      'too few pairs to test (n = 1; at least 2 are needed)',
    );
    expect(comparisonVerdict(pairedComparison(pairsWithDifferences([0, 0])), labels)).toBe(
      'no difference: identical in all n = 2 pairs',
    );
    expect(comparisonVerdict(pairedComparison(pairsWithDifferences([-1, -1])), labels)).toBe(
      'ReLU better by the same amount in all n = 2 pairs (no variance, no p-value)',
    );
  });

  it('never rounds a p-value across alpha', () => {
    expect(formatP(0.0499)).toBe('= 0.0499');
    expect(formatP(0.0123)).toBe('= 0.012');
    expect(formatP(0.0004)).toBe('< 0.001');
  });
});
