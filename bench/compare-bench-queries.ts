/**
 * What the compare benches share: the two comparisons the store benches measure (an activation pair and a bit
 * width pair, the listed pairs limited to 100) and the load average as they print it.
 */
import { loadavg } from 'node:os';
import type { ComparisonQuery } from '@distillery/db';

export const COMPARE_BENCH_QUERIES: { name: string; query: ComparisonQuery }[] = [
  { name: 'relu vs lma-8', query: { segments: ['model', 'activation'], a: 'relu', b: 'lma-8', limit: 100 } },
  {
    name: 'bits 4 vs 8',
    query: {
      segments: ['quantize', 'bits'],
      quantization: { field: 'bits', float: '32' },
      a: '4',
      b: '8',
      limit: 100,
    },
  },
];

/** The 1, 5 and 15 minute load averages, one decimal each. */
export const loadAverage = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
