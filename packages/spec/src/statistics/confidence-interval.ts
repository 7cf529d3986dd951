import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { z } from 'zod';

/** The confidence level of every interval Distillery reports. */
export const CONFIDENCE_LEVEL = 0.95;

/** A two-sided 95% confidence interval for a mean (Student t, n − 1 degrees of freedom). */
export const ConfidenceInterval = z
  .object({
    low: z.number().describe('lower bound of the 95% confidence interval'),
    high: z.number().describe('upper bound of the 95% confidence interval'),
  })
  .describe('two-sided 95% confidence interval of the mean (Student t with n − 1 degrees of freedom)');
export type ConfidenceInterval = z.infer<typeof ConfidenceInterval>;

/**
 * `mean ± t(0.975, n − 1) · std / √n`. Seeds are few (often 2–5), so the normal 1.96 would understate the
 * interval badly: at n = 3 the t quantile is 4.30.
 */
export function tInterval(mean: number, std: number, n: number): ConfidenceInterval {
  const half = tQuantile(1 - (1 - CONFIDENCE_LEVEL) / 2, n - 1) * (std / Math.sqrt(n));
  return { low: mean - half, high: mean + half };
}
