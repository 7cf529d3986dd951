import type { Quantization } from '@distillery/spec';

/** One configuration taking value A or B, with what it shares with its partners (compareConfigurations). */
export interface ComparisonSideRow {
  /** Configurations with equal contexts are otherwise equal (same config without the dimension, same teacher). */
  context: string;
  value: string;
  /**
   * What of the quantization must match a partner's: the whole `quantize` block when the dimension is not the
   * quantization (it is then part of the context anyway), the block without the compared field when it is
   * (`{ method, bucketSize, keepFloat }` for bits), null for a float configuration, which matches any.
   */
  variant: unknown;
  quantize: Quantization | null;
  group: string;
  kind: string;
  dataset: string;
  teacherId: string | null;
  seeds: number[];
  runIds: string[];
  accuracies: number[];
  parameters: number;
  bytes: number;
  label: string;
  /** The representative run (the smallest id). */
  rep: string;
}
