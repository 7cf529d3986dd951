import { type DataRoots, type DatasetSpec, datasetPathIssue, teamDataRoots } from '@distillery/spec';
import { ValidationFailedError } from '../errors/http-errors.ts';

/**
 * Refuses (400, naming `dataset.path`, its value and the rule) a data path that does not resolve, symlinks
 * included, inside the shared data roots or the submitting team's own data folder. The worker checks again
 * when it reads the files; this check makes the mistake visible at submission, dry run included.
 */
export function checkDatasetPath(dataset: DatasetSpec, roots: DataRoots, teamId: string): void {
  const issue = datasetPathIssue(dataset, teamDataRoots(roots, teamId));
  if (issue !== null) throw new ValidationFailedError('the sweep cannot read that data set', [issue]);
}
