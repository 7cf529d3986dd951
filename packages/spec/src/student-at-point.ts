import { applyGridPoint, type GridPoint } from './grid.ts';
import type { StudentBase } from './sweep-spec.ts';
import { DISTILL_METHODS, type DistillMethod, defaultDistill } from './train-spec.ts';

/**
 * The student at one grid point: the base with the point's values written in. A point that switches
 * `distill.method` (kd ↔ crembo) starts the distillation from that method's defaults rather than the base's
 * settings, which belong to the other method (a KD temperature means nothing to CREMBO); the point's other
 * `distill.*` values then apply as usual.
 */
export function studentAtPoint(base: StudentBase, point: GridPoint): StudentBase {
  const method = point.find(([path]) => path === 'distill.method')?.[1];
  const switches =
    typeof method === 'string' &&
    (DISTILL_METHODS as readonly string[]).includes(method) &&
    method !== (base.distill?.method ?? 'kd');
  return applyGridPoint<StudentBase>(
    switches ? { ...base, distill: defaultDistill(method as DistillMethod) } : base,
    point,
  );
}
