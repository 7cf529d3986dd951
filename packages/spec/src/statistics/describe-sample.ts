import { z } from 'zod';
import { ConfidenceInterval, tInterval } from './confidence-interval.ts';
import { assertFinite, StatisticsError } from './statistics-error.ts';

/**
 * A mean over replicates (seeds) with what a reader needs to judge it. `std` and `ci95` are null for a single
 * replicate: one value says nothing about the spread.
 */
export const SampleSummary = z.object({
  n: z.number().int().min(1).describe('number of replicates (seeds) the mean is over'),
  mean: z.number().describe('arithmetic mean'),
  std: z.number().nullable().describe('sample standard deviation (n − 1 denominator); null when n = 1'),
  ci95: ConfidenceInterval.nullable().describe('95% confidence interval of the mean (Student t); null when n = 1'),
});
export type SampleSummary = z.infer<typeof SampleSummary>;

/** Mean, sample std and Student-t 95% CI of replicate values. Throws {@link StatisticsError} on an empty sample. */
export function describeSample(values: readonly number[]): SampleSummary {
  if (values.length === 0) throw new StatisticsError('EMPTY_SAMPLE', 'describeSample needs at least one value');
  assertFinite(values, 'values');
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { n, mean, std: null, ci95: null };
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  return { n, mean, std, ci95: tInterval(mean, std, n) };
}
