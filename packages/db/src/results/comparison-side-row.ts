import type { Quantization } from '@distillery/spec';

/**
 * One side of a listed configuration pair (compareConfigurations): the configurations pooled on that side (most
 * often one), described by the first (the smallest group hash), with all their replicates.
 */
export interface ComparisonSideRow {
  /** The first configuration's group hash. */
  group: string;
  /** Its representative run's label. */
  label: string;
  /** Its quantize block, null for float. */
  quantize: Quantization | null;
  /** Mean over the pooled replicates of the packed model's parameters and bytes. */
  parameters: number;
  bytes: number;
  /** Every pooled replicate, aligned and ordered by seed, then run id (paired or not). */
  seeds: number[];
  runIds: string[];
  accuracies: number[];
}
