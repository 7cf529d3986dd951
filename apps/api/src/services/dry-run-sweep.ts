import type { PrismaClient } from '@distillery/db';
import type { SweepSpec } from '@distillery/spec';
import type { SweepPlan } from '../schemas/sweep-plan.ts';
import { planSweep } from './plan-sweep.ts';
import { resolveTeacherRun } from './resolve-teacher-run.ts';

/**
 * What a submission would store, without storing it: the plan, after the same checks a submission makes
 * (a reused teacher must be this team's, a teacher, on the same dataset, and not dead), so that a dry run
 * that passes predicts a submission that passes.
 */
export async function dryRunSweep(db: PrismaClient, teamId: string, spec: SweepSpec): Promise<SweepPlan> {
  const { teacher } = spec;
  if ('runId' in teacher) {
    await db.$transaction((tx) => resolveTeacherRun(tx, teamId, teacher.runId, spec.dataset));
  }
  return planSweep(spec);
}
