import { type RunLimits, runLimitIssues, type SweepSpec } from '@distillery/spec';
import { ValidationFailedError } from '../errors/http-errors.ts';

/**
 * Refuses a sweep with a run that would not fit a worker (the operator's limits): 400, one issue per field,
 * each naming the value and the limit. Called for dry runs too, so that a dry run that passes predicts a
 * submission that passes.
 */
export function checkRunLimits(spec: SweepSpec, limits: RunLimits): void {
  const issues = runLimitIssues(spec, limits);
  if (issues.length > 0) throw new ValidationFailedError("the sweep exceeds this server's run limits", issues);
}
