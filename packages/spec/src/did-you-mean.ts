import { closest, distance } from 'fastest-levenshtein';

/**
 * ` — did you mean 'seeds'?` for the allowed word nearest to `word` (Levenshtein distance, case ignored), when
 * it is near enough to be a likely slip: at most a third of the word's length, and at least 1, away. Empty
 * when nothing is that near, or the word itself is allowed.
 */
export function didYouMean(word: string, allowed: readonly string[]): string {
  if (allowed.length === 0 || allowed.includes(word)) return '';
  const lower = word.toLowerCase();
  const byLower = new Map(allowed.map((a) => [a.toLowerCase(), a]));
  const nearest = closest(lower, [...byLower.keys()]);
  const near = Math.max(1, Math.ceil(word.length / 3));
  return distance(lower, nearest) <= near ? ` — did you mean '${byLower.get(nearest)}'?` : '';
}
