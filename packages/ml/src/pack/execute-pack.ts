import { type ExecuteRunInput, executeRun, type RunOutcome } from '../run/execute-run.ts';

/** How `executePack` trains its members. */
export interface ExecutePackOptions {
  /**
   * 'auto': the members share one training loop; 'solo': each member by `executeRun`, one after another (what a
   * pack is held equal to in its tests and benchmarks).
   * @defaultValue 'auto'
   */
  mode?: 'auto' | 'solo';
}

const DEFAULTS: Required<ExecutePackOptions> = { mode: 'auto' };

/**
 * Trains the runs of one pack (configs with equal `packKey`, see packages/spec) together and returns one promise
 * per member, in the members' order, each settling on its own: with the member's RunOutcome, or with its own
 * error — an AbortError when its `signal` aborts, which drops it from the pack while the others go on; a
 * member's error does not fail the others. Every member keeps its `ExecuteRunInput` contract exactly as
 * `executeRun` gives it: `onEpoch`, `onBatch`, `signal`, `resumeFrom` (members may resume from different
 * epochs), `onCheckpoint` (checkpoints in the solo format: a packed run resumes solo and vice versa), and the
 * same outcome (within float32 tolerance) as training it alone.
 *
 * This first version interleaves the members' own `executeRun`s in one process: their training loops yield to
 * each other between batches, and the teacher's logits are computed once and shared through executeRun's cache.
 * Attach handlers to every promise at once: a member that fails early rejects before the others settle.
 */
export function executePack(
  members: readonly ExecuteRunInput[],
  options: ExecutePackOptions = {},
): Promise<RunOutcome>[] {
  const { mode } = { ...DEFAULTS, ...options };
  if (mode === 'solo') {
    let previous: Promise<unknown> = Promise.resolve();
    return members.map((member) => {
      const outcome = previous.then(() => executeRun(member));
      previous = outcome.catch(() => {});
      return outcome;
    });
  }
  return members.map((member) => executeRun(member));
}
