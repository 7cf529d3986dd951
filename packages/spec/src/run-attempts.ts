/**
 * Failed attempts (errors, lost workers) before a run fails for good, unless the operator sets another limit:
 * the one default of the workers, the embedded executor, the reconciler and the run transitions in packages/db.
 */
export const DEFAULT_MAX_ATTEMPTS = 3;
