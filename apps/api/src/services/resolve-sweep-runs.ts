import { findReusableRuns, type ReusableRun, type SqlExecutor } from '@distillery/db';
import { type PlannedRun, planIdentities, type SweepSpec } from '@distillery/spec';
import { type ResolvedTeacher, resolveTeacherRun } from './resolve-teacher-run.ts';

export interface ResolveSweepRunsOptions {
  /** Train every run again instead of reusing the team's identical ones (spec `rerun`). @defaultValue false */
  rerun?: boolean;
}

/** A sweep's expansion with what each run will be: trained anew, or an existing run of the team reused. */
export interface ResolvedSweepRuns {
  planned: PlannedRun[];
  /** Every planned run's identity, by key. */
  identities: Map<string, string>;
  /** The teacher the spec names (`teacher: { runId }`); null when the sweep has a teacher configuration. */
  namedTeacher: ResolvedTeacher | null;
  /** The planned runs (by key) that are existing runs of the team. */
  reused: Map<string, ReusableRun>;
}

/**
 * What a submission (or its dry run) stores: the expansion (`planned`, expandSweep of `spec`, computed once by
 * the caller and outside the transaction: at 5,000 runs it takes a few hundred milliseconds), each run's identity, the named teacher checked, and
 * the team's runs it reuses — every planned run whose identity the team already has trained or on its way,
 * teachers included, unless `rerun`. Inside the submission's transaction (see findReusableRuns for the locks).
 * Should the expansion repeat an identity, only its first run is reused; the repeats train.
 */
export async function resolveSweepRuns(
  tx: SqlExecutor,
  teamId: string,
  spec: SweepSpec,
  planned: PlannedRun[],
  options: ResolveSweepRunsOptions = {},
): Promise<ResolvedSweepRuns> {
  // A BNS synthesis reads the teacher's BatchNorm statistics: the named teacher must have some.
  const needsBatchNorm = planned.some((r) => r.config.kind === 'synthesize' && r.config.data.method === 'bns');
  const namedTeacher =
    'runId' in spec.teacher
      ? await resolveTeacherRun(tx, teamId, spec.teacher.runId, spec.dataset, { needsBatchNorm })
      : null;
  const identities = planIdentities(planned, namedTeacher?.identity ?? null);
  // A rerun still takes the team's lock: a concurrent submission then sees the runs it trains again.
  const found = await findReusableRuns(tx, teamId, options.rerun === true ? [] : [...identities.values()]);
  const reused = new Map<string, ReusableRun>();
  const taken = new Set<string>();
  for (const r of planned) {
    const existing = found.get(identities.get(r.key) as string);
    if (existing === undefined || taken.has(existing.id)) continue;
    taken.add(existing.id);
    reused.set(r.key, existing);
  }
  return { planned, identities, namedTeacher, reused };
}
