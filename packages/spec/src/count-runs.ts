import type { z } from 'zod';
import { gridSize } from './grid.ts';
import type { SweepSpecShape } from './sweep-spec.ts';

const DEFAULT_SEED_COUNT = 1;

/** Number of runs a sweep expands to, without expanding it. */
export function countRuns(
  spec: Pick<z.infer<typeof SweepSpecShape>, 'teacher' | 'students' | 'quantize' | 'seeds'>,
): number {
  const points = gridSize(spec.students.grid);
  const seeds = spec.seeds?.length ?? DEFAULT_SEED_COUNT;
  return ('runId' in spec.teacher ? 0 : 1) + points * seeds * (1 + (spec.quantize ?? []).length);
}
