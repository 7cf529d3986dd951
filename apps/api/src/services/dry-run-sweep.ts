import { listRunTimings, type Store } from '@distillery/db';
import {
  expandSweep,
  measureRunOverhead,
  measureThroughput,
  RUN_OVERHEAD_CALIBRATION,
  type SweepSpec,
  type TeacherArtifactFacts,
  THROUGHPUT_CALIBRATION,
} from '@distillery/spec';
import type { SweepPlan } from '../schemas/sweep-plan.ts';
import { planSweep } from './plan-sweep.ts';
import { resolveSweepRuns } from './resolve-sweep-runs.ts';

/**
 * What a submission would store, without storing it: the plan, after the same checks a submission makes
 * (a named teacher must be this team's, a teacher, on the same dataset, and not dead), so that a dry run
 * that passes predicts a submission that passes; and with the same reuse of the team's identical runs (none
 * with `rerun`). Its runs' times are estimated from the throughput the team's latest results measured, and from
 * the shipped calibration for shapes they have not run; the per-run work around them from what the team's
 * latest executions took beyond those rates (measureRunOverhead), else from the calibration's.
 */
export async function dryRunSweep(
  db: Store,
  teamId: string,
  spec: SweepSpec,
  options: { rerun?: boolean; teacherArtifact?: TeacherArtifactFacts | null; packMax?: number } = {},
): Promise<SweepPlan> {
  const rerun = options.rerun === true || spec.rerun === true;
  const planned = expandSweep(spec, { teacherArtifact: options.teacherArtifact ?? null });
  const resolved = await db.transaction((tx) => resolveSweepRuns(tx, teamId, spec, planned, { rerun }));
  const timings = await listRunTimings(db, teamId);
  const measuredOverhead = measureRunOverhead(timings);
  const overhead = measuredOverhead ? { ...measuredOverhead, source: 'measured' as const } : RUN_OVERHEAD_CALIBRATION;
  const rates = { measured: measureThroughput(timings), calibration: THROUGHPUT_CALIBRATION, overhead };
  return planSweep(spec, resolved, rates, options.packMax);
}
