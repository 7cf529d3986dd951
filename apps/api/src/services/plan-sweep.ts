import { canonicalHash, expandSweep, type PlannedRun, quantizeWarnings, type SweepSpec } from '@distillery/spec';
import type { SweepPlan } from '../schemas/sweep-plan.ts';

/**
 * A dry run: the sweep's runs, parents first, with their configs and the sizes predicted from their model
 * specs. `planned` is the expansion to show (default: the spec's own; a submission that reuses a teacher by
 * hash shows it without its teacher). Pure.
 */
export function planSweep(
  spec: SweepSpec,
  planned: readonly PlannedRun[] = expandSweep(spec),
  reusedTeacherRunId: string | null = null,
): SweepPlan {
  return {
    name: spec.name,
    specHash: canonicalHash(spec),
    runCount: planned.length,
    reusedTeacherRunId,
    runs: planned.map((r) => ({
      key: r.key,
      kind: r.kind,
      parentKey: r.parentKey,
      parentRunId: r.parentRunId,
      label: r.label,
      group: r.group,
      configHash: r.hash,
      config: r.config,
      predicted: r.size,
    })),
    warnings: quantizeWarnings(planned),
  };
}
