import { type Quantization, quantizationName } from '@distillery/spec';

/** `float`, `ptq 4-bit`; `details` adds what else distinguishes quantizations of one method and width. */
export function quantizationLabel(q: Quantization | null, details = false): string {
  if (q === null) return 'float';
  const base = quantizationName(q);
  if (!details) return base;
  return q.method === 'pq'
    ? `${base} (keepFloat ${q.keepFloat})`
    : `${base} (keepFloat ${q.keepFloat}, bucket ${q.bucketSize})`;
}
