import type { RunExecutorOptions } from '../executor/run-executor-options.ts';

/**
 * The in-process executor's options: the executor's. Its reconciler always runs (nothing else repairs the
 * embedded store's queue), and on close it stops every run at once (`checkpointGraceMs` 0): the person at the
 * terminal is waiting, and a checkpointed run resumes from its last epoch at the next start.
 */
export type InProcessExecutorOptions = Omit<RunExecutorOptions, 'reconcile'>;

export const IN_PROCESS_EXECUTOR_DEFAULTS = { checkpointGraceMs: 0 } as const;
