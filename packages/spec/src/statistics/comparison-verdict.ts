import type { PairedComparison } from './paired-comparison.ts';

/** How {@link comparisonVerdict} reads a difference. */
export interface VerdictOptions {
  /**
   * Whether a larger value is better (accuracy) or a smaller one (loss, bytes).
   * @defaultValue 'higher'
   */
  better?: 'higher' | 'lower';
}

/**
 * A plain sentence for a paired comparison: "LMA better, p = 0.01, n = 3", "no detectable difference at n = 3
 * (p = 0.42)". "Better" is claimed only when the paired t-test rejects equality at `alpha`; a non-significant result
 * says "no detectable difference", not "equal", because at a few seeds only large effects are detectable.
 */
export function comparisonVerdict(
  result: PairedComparison,
  labels: { a: string; b: string },
  alpha = 0.05,
  options: VerdictOptions = {},
): string {
  const better = options.better ?? 'higher';
  const winner = (d: number) => (d > 0 === (better === 'higher') ? labels.a : labels.b);
  const { n } = result;
  switch (result.status) {
    case 'too-few-pairs':
      return n === 0 ? 'no pairs to compare' : `too few pairs to test (n = ${n}; at least 2 are needed)`;
    case 'zero-variance': {
      const d = result.meanDifference ?? 0;
      if (d === 0) return `no difference: identical in all n = ${n} pairs`;
      return `${winner(d)} better by the same amount in all n = ${n} pairs (no variance, no p-value)`;
    }
    case 'tested': {
      const p = result.p ?? 1;
      const d = result.meanDifference ?? 0;
      if (p < alpha && d !== 0) return `${winner(d)} better, p ${formatP(p, alpha)}, n = ${n}`;
      return `no detectable difference at n = ${n} (p ${formatP(p, alpha)})`;
    }
  }
}

/** "= 0.012" with two significant digits ("< 0.001" below that); never rounds across alpha. */
export function formatP(p: number, alpha = 0.05): string {
  if (p < 0.001) return '< 0.001';
  let digits = 2;
  while (digits < 6 && p < alpha !== Number(p.toPrecision(digits)) < alpha) digits++;
  return `= ${Number(p.toPrecision(digits))}`;
}
