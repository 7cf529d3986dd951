import { SizeBreakdown } from '@distillery/spec';

/** A result's `size_breakdown` column, validated: null for results recorded before the breakdown was measured. */
export function storedSizeBreakdown(json: unknown): SizeBreakdown | null {
  return json === null || json === undefined ? null : SizeBreakdown.parse(json);
}
