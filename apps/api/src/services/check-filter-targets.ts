import { findTeamRun, type Store, teamSweepExists } from '@distillery/db';
import { NotFoundError } from '../errors/http-errors.ts';
import type { ResultFilters } from '../schemas/result-filters.ts';

/**
 * A filter naming a sweep or teacher run must name one of the caller's team: another team's (or no) sweep answers
 * 404 like everywhere else, rather than an empty result that reads as "no results yet".
 */
export async function checkFilterTargets(db: Store, teamId: string, filters: ResultFilters): Promise<void> {
  const [sweep, teacher] = await Promise.all([
    filters.sweep === undefined ? true : teamSweepExists(db, teamId, filters.sweep),
    filters.teacher === undefined ? true : findTeamRun(db, teamId, filters.teacher).then((run) => run !== null),
  ]);
  if (!sweep) throw new NotFoundError('sweep', filters.sweep as string);
  if (!teacher) throw new NotFoundError('run', filters.teacher as string);
}
