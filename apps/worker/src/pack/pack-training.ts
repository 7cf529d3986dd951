import type { ExecuteRunInput, RunOutcome } from '@distillery/ml';

/**
 * packages/ml's `executePack` as the worker calls it (a training pool, or a test, may substitute its own): one
 * promise per member, in the members' order, each settling on its own — with the member's outcome, or its own
 * error (an AbortError once its `signal` aborts, the others going on).
 */
export type ExecutePack = (members: readonly ExecuteRunInput[]) => Promise<RunOutcome>[];
