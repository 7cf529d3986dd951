import type { PrismaClient } from '@distillery/db';
import { expandSweep, type SweepSpec, TEACHER_KEY, type TeacherArtifactFacts } from '@distillery/spec';
import type { SweepPlan } from '../schemas/sweep-plan.ts';
import { findReusableTeacher } from './find-reusable-teacher.ts';
import { planSweep } from './plan-sweep.ts';
import { resolveTeacherRun } from './resolve-teacher-run.ts';
import { reuseTeacher } from './reuse-teacher.ts';

/**
 * What a submission would store, without storing it: the plan, after the same checks a submission makes
 * (a reused teacher must be this team's, a teacher, on the same dataset, and not dead), so that a dry run
 * that passes predicts a submission that passes; and with the same teacher reuse by hash.
 */
export async function dryRunSweep(
  db: PrismaClient,
  teamId: string,
  spec: SweepSpec,
  teacherArtifact: TeacherArtifactFacts | null = null,
): Promise<SweepPlan> {
  const { teacher } = spec;
  const planned = expandSweep(spec, { teacherArtifact });
  if ('runId' in teacher) {
    await db.$transaction((tx) => resolveTeacherRun(tx, teamId, teacher.runId, spec.dataset));
    return planSweep(spec, planned);
  }
  const hash = planned.find((r) => r.key === TEACHER_KEY)?.hash as string;
  const existing = await db.$transaction((tx) => findReusableTeacher(tx, teamId, hash));
  return existing ? planSweep(spec, reuseTeacher(planned, existing.id), existing.id) : planSweep(spec, planned);
}
