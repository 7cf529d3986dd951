import type { z } from 'zod';
import { canonicalJson } from './canonical.ts';
import { applyGridPoint, gridPoints, gridSize } from './grid.ts';
import { resolveStudentData, type StudentDataSpec, type SyntheticData } from './student-data-spec.ts';
import { MAX_RUNS_PER_SWEEP, type SweepSpecShape } from './sweep-spec.ts';

/**
 * The distinct synthetic data configurations a sweep's students train on — one synthesize run each — found over
 * the grid's `data.*` dimensions only (their product is small: every dimension is bounded), so the rest of the
 * grid is never expanded. Empty past the hard ceiling on runs: every grid point is a student already, and such a
 * sweep is refused whatever the syntheses add.
 */
export function sweepSyntheses(students: z.infer<typeof SweepSpecShape>['students']): SyntheticData[] {
  const dataGrid = Object.fromEntries(Object.entries(students.grid ?? {}).filter(([path]) => path.startsWith('data.')));
  if (gridSize(dataGrid) > MAX_RUNS_PER_SWEEP) return [];
  const seen = new Map<string, SyntheticData>();
  for (const point of gridPoints(dataGrid)) {
    const { data } = applyGridPoint<{ data?: unknown }>({ data: students.data ?? {} }, point);
    const resolved = resolveStudentData(data as StudentDataSpec | undefined);
    if (resolved) seen.set(canonicalJson(resolved), resolved);
  }
  return [...seen.values()];
}
