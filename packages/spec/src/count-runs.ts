import type { z } from 'zod';
import { gridSize } from './grid.ts';
import type { SweepSpecShape } from './sweep-spec.ts';
import { sweepSyntheses } from './sweep-syntheses.ts';

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
  return ('runId' in spec.teacher ? 0 : 1) + sweepSyntheses(spec.students).length + points * seeds * perStudent;
}
