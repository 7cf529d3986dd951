import type { Store } from '@distillery/db';
import { expandSweep, type SweepSpec, type TeacherArtifactFacts } from '@distillery/spec';
import type { SweepPlan } from '../schemas/sweep-plan.ts';
import { planSweep } from './plan-sweep.ts';
import { resolveSweepRuns } from './resolve-sweep-runs.ts';

/**
 * What a submission would store, without storing it: the plan, after the same checks a submission makes
 * (a named teacher must be this team's, a teacher, on the same dataset, and not dead), so that a dry run
 * that passes predicts a submission that passes; and with the same reuse of the team's identical runs (none
 * with `rerun`).
 */
export async function dryRunSweep(
  db: Store,
  teamId: string,
  spec: SweepSpec,
  options: { rerun?: boolean; teacherArtifact?: TeacherArtifactFacts | null } = {},
): Promise<SweepPlan> {
  const rerun = options.rerun === true || spec.rerun === true;
  const planned = expandSweep(spec, { teacherArtifact: options.teacherArtifact ?? null });
  return planSweep(spec, await db.transaction((tx) => resolveSweepRuns(tx, teamId, spec, planned, { rerun })));
}
