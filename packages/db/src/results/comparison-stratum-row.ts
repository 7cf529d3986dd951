import type { Quantization } from '@distillery/spec';

/** The configuration pairs sharing the two sides' quantizations (compareConfigurations), tested together. */
export interface ComparisonStratumRow {
  /** The A and B sides' quantizations (null for float). */
  a: Quantization | null;
  b: Quantization | null;
  /** How many configuration pairs it holds (listed or not). */
  configurations: number;
  /** B − A of every seed pair of its pairs, in pair order and then by seed: what its paired test takes. */
  differences: number[];
}
