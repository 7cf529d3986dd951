import tCdf from '@stdlib/stats-base-dists-t-cdf';
import { z } from 'zod';
import { ConfidenceInterval, tInterval } from './confidence-interval.ts';
import { assertFinite } from './statistics-error.ts';

/**
 * Why a paired test has (or lacks) a t statistic and p-value:
 * - `tested`: n ≥ 2 and the differences vary; `t`, `df` and `p` are set.
 * - `too-few-pairs`: n < 2; nothing can be said about the spread.
 * - `zero-variance`: every pair differs by the same amount; the t statistic is undefined (0/0 or ±∞), so no
 *   p-value is claimed. The CI degenerates to that one difference.
 */
export const PAIRED_TEST_STATUSES = ['tested', 'too-few-pairs', 'zero-variance'] as const;
export const PairedTestStatus = z.enum(PAIRED_TEST_STATUSES);
export type PairedTestStatus = z.infer<typeof PairedTestStatus>;

/** One pair of measurements sharing everything but the compared factor (same seed, same configuration). */
export interface Pair {
  a: number;
  b: number;
}

/** A paired comparison of a against b: statistics of the differences a − b and a two-sided paired t-test. */
export const PairedComparison = z.object({
  status: PairedTestStatus.describe('tested, too-few-pairs (n < 2) or zero-variance (all differences equal)'),
  n: z.number().int().min(0).describe('number of pairs'),
  meanDifference: z.number().nullable().describe('mean of a − b over the pairs; null when n = 0'),
  std: z.number().nullable().describe('sample standard deviation of the differences (n − 1); null when n < 2'),
  ci95: ConfidenceInterval.nullable().describe('95% confidence interval of the mean difference; null when n < 2'),
  t: z.number().nullable().describe('paired t statistic, mean / (std / √n); null unless status is tested'),
  df: z.number().int().nullable().describe('degrees of freedom, n − 1; null when n < 2'),
  p: z.number().nullable().describe('two-sided p-value of the paired t-test; null unless status is tested'),
});
export type PairedComparison = z.infer<typeof PairedComparison>;

/**
 * Paired analysis of a − b. Pairing removes the seed's shared effect (initial weights, data order), which is
 * usually much larger than the effect compared; an unpaired test on the same numbers would miss it.
 */
export function pairedComparison(pairs: readonly Pair[]): PairedComparison {
  const d = pairs.map((p) => p.a - p.b);
  assertFinite(d, 'differences');
  const n = d.length;
  if (n === 0)
    return { status: 'too-few-pairs', n, meanDifference: null, std: null, ci95: null, t: null, df: null, p: null };
  const mean = d.reduce((s, v) => s + v, 0) / n;
  if (n < 2)
    return { status: 'too-few-pairs', n, meanDifference: mean, std: null, ci95: null, t: null, df: null, p: null };
  const std = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const df = n - 1;
  const ci95 = tInterval(mean, std, n);
  // Differences equal up to rounding (e.g. 0.3 − 0.1 vs 0.4 − 0.2) count as equal: a std this far below the
  // mean's own rounding error is noise, and a t statistic built on it would be huge and meaningless.
  if (std <= 1e-12 * Math.max(1, Math.abs(mean))) {
    return {
      status: 'zero-variance',
      n,
      meanDifference: mean,
      std: 0,
      ci95: { low: mean, high: mean },
      t: null,
      df,
      p: null,
    };
  }
  const t = mean / (std / Math.sqrt(n));
  const p = Math.min(1, 2 * tCdf(-Math.abs(t), df));
  return { status: 'tested', n, meanDifference: mean, std, ci95, t, df, p };
}
