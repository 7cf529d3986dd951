import { lockTeamRun, type SqlExecutor, storedRunConfig } from '@distillery/db';
import { bnsTeacherRule, canonicalJson, type DatasetSpec } from '@distillery/spec';
import { ValidationFailedError } from '../errors/http-errors.ts';
import { isUuid } from '../lib/is-uuid.ts';

/** A reused teacher (`teacher: { runId }`) and the state its dependents start in. */
export interface ResolvedTeacher {
  id: string;
  /** Its identity: the students distilled from it are identified through it. */
  identity: string;
  /** `queued` when the teacher already succeeded, `waiting` while it is still on its way. */
  dependentState: 'queued' | 'waiting';
}

const FIELD = 'teacher.runId';

/**
 * Checks that `runId` names a teacher of this team trained on the same dataset and not dead, inside the
 * submission's transaction. The row is locked `FOR SHARE` until the commit: a worker completing the teacher
 * meanwhile waits, then releases our waiting runs with the rest — no dependent is left waiting forever.
 * Another team's run is "not found", exactly like a missing one.
 */
export async function resolveTeacherRun(
  tx: SqlExecutor,
  teamId: string,
  runId: string,
  dataset: DatasetSpec,
  options: { needsBatchNorm?: boolean } = {},
): Promise<ResolvedTeacher> {
  const reject = (message: string) =>
    new ValidationFailedError('the sweep cannot reuse that teacher', [{ path: FIELD, message }]);
  if (!isUuid(runId)) throw reject(`run '${runId}' not found`);
  const run = await lockTeamRun(tx, teamId, runId);
  if (run === null) throw reject(`run '${runId}' not found`);
  if (run.kind !== 'teacher') throw reject(`run '${runId}' is a ${run.kind} run, not a teacher`);
  const config = storedRunConfig(run.config);
  if (canonicalJson(config.dataset) !== canonicalJson(dataset)) {
    throw reject(`teacher run '${runId}' was trained on a different dataset (${config.dataset.name})`);
  }
  // A trained teacher says whether it has BatchNorm; an imported one is checked when its synthesis loads it.
  const model = config.model;
  if (options.needsBatchNorm && model !== null && model.family !== 'imported' && !model.batchNorm) {
    throw new ValidationFailedError('the sweep cannot synthesize data from that teacher', [
      { path: 'students.data.method', message: bnsTeacherRule(`teacher run '${runId}' (model.batchNorm: false)`) },
    ]);
  }
  if (run.state === 'failed' || run.state === 'cancelled') {
    throw reject(`teacher run '${runId}' ${run.state}; it cannot be reused`);
  }
  return {
    id: run.id,
    identity: run.identity,
    dependentState: run.state === 'succeeded' ? 'queued' : 'waiting',
  };
}
