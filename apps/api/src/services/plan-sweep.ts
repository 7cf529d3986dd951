import { canonicalHash, expandSweep, type SweepSpec } from '@distillery/spec';
import type { SweepPlan } from '../schemas/sweep-plan.ts';

/** A dry run: the sweep's runs, parents first, with the sizes predicted from their model specs. Pure. */
export function planSweep(spec: SweepSpec): SweepPlan {
  const runs = expandSweep(spec);
  return {
    name: spec.name,
    specHash: canonicalHash(spec),
    runCount: runs.length,
    runs: runs.map((r) => ({
      key: r.key,
      kind: r.kind,
      parentKey: r.parentKey,
      parentRunId: r.parentRunId,
      label: r.label,
      group: r.group,
      predicted: r.size,
    })),
  };
}
