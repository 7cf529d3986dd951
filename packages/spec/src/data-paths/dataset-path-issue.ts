import type { DatasetSpec } from '../dataset-spec.ts';
import type { ValidationIssue } from '../validation-issue.ts';
import { confineDataPath } from './confine-data-path.ts';
import { escapeForMessage } from './escape-for-message.ts';

/**
 * The submission-time check of `dataset.path`: null when the data set needs no path or its path resolves
 * inside `roots`; otherwise the issue naming the field, the value and the rule (and the allowed folders, which
 * are the operator's configuration and the team's own folder, not anyone's data).
 */
export function datasetPathIssue(dataset: DatasetSpec, roots: readonly string[]): ValidationIssue | null {
  if (dataset.path === undefined) return null;
  return dataPathIssue('dataset.path', dataset.path, roots);
}

/** The same check for any field holding a path to read files from (`teacher.model.artifact` too). */
export function dataPathIssue(field: string, path: string, roots: readonly string[]): ValidationIssue | null {
  if (confineDataPath(path, roots).inside) return null;
  const allowed =
    roots.length === 0
      ? 'this deployment allows no data folders (DISTILLERY_DATA_ROOTS is empty and there is no team data folder)'
      : `allowed: inside ${roots.map(escapeForMessage).join(' or ')}`;
  return {
    path: field,
    message: `${escapeForMessage(path)} is outside the data roots: a data path must resolve, symlinks included, inside a configured data root; ${allowed}`,
  };
}
