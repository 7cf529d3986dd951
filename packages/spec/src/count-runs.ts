import type { z } from 'zod';
import { canonicalJson } from './canonical.ts';
import { applyGridPoint, gridPoints, gridSize } from './grid.ts';
import { resolveStudentData, type StudentDataSpec } from './student-data-spec.ts';
import { MAX_RUNS_PER_SWEEP, type SweepSpecShape } from './sweep-spec.ts';

const DEFAULT_SEED_COUNT = 1;

/** Number of runs a sweep expands to, without expanding it. */
export function countRuns(
  spec: Pick<z.infer<typeof SweepSpecShape>, 'teacher' | 'students' | 'quantize' | 'prune' | 'seeds'>,
): number {
  const points = gridSize(spec.students.grid);
  const seeds = spec.seeds?.length ?? DEFAULT_SEED_COUNT;
  const quantize = spec.quantize ?? [];
  const ptq = quantize.filter((q) => q.method === 'ptq').length;
  const prune = (spec.prune ?? []).length;
  // Per student: itself, its quantized variants, its pruned variants and a PTQ of each pruned variant.
  const perStudent = 1 + quantize.length + prune * (1 + ptq);
  return ('runId' in spec.teacher ? 0 : 1) + syntheses(spec.students) + points * seeds * perStudent;
}

/**
 * Synthesize runs: one per distinct synthetic data configuration, found over the grid's `data.*` dimensions
 * only (their product is small: every dimension is bounded), so the rest of the grid is never expanded.
 */
function syntheses(students: z.infer<typeof SweepSpecShape>['students']): number {
  const dataGrid = Object.fromEntries(Object.entries(students.grid ?? {}).filter(([path]) => path.startsWith('data.')));
  // Every grid point is a student already: past the hard ceiling the sweep is refused whatever this adds.
  if (gridSize(dataGrid) > MAX_RUNS_PER_SWEEP) return 0;
  const seen = new Set<string>();
  for (const point of gridPoints(dataGrid)) {
    const { data } = applyGridPoint<{ data?: unknown }>({ data: students.data ?? {} }, point);
    const resolved = resolveStudentData(data as StudentDataSpec | undefined);
    if (resolved) seen.add(canonicalJson(resolved));
  }
  return seen.size;
}
