/**
 * Orders run keys as the expansion produced them: `teacher` first, then numbers compared as numbers
 * (`s2.seed1` before `s10.seed1`, `s0.seed1.q2` before `s0.seed1.q10`). Runs are inserted in one statement, so
 * their creation time cannot order them.
 */
export function compareRunKeys(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'teacher') return -1;
  if (b === 'teacher') return 1;
  return collator.compare(a, b);
}

const collator = new Intl.Collator('en', { numeric: true });
