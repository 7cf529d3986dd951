import type { ClaimedRunRow } from '@distillery/db';
import { type ExecuteRunInput, executePack, type ModelArtifact, type RunOutcome } from '@distillery/ml';
import type { JobOutcome } from '../job-context.ts';
import { type AttemptContext, RunAttempt, readModel } from '../run-attempt.ts';

/**
 * Trains a claimed pack — the job's run first, then the runs claimed with it — as one packages/ml `executePack`,
 * each member still its own {@link RunAttempt}: its own heartbeat, epochs, checkpoints, cancellation, result or
 * failure, exactly as if it trained alone. Their common parent is read once. A member whose preparation fails
 * (a stored config that does not parse, a missing parent) settles alone and the others train without it; a
 * member cancelled, released or failing mid-way stops alone. Resolves when every member has settled, with the
 * job's own run's outcome.
 */
export async function executePackJob(runs: readonly ClaimedRunRow[], ctx: AttemptContext): Promise<JobOutcome> {
  const models = new Map<string, Promise<ModelArtifact>>();
  const loadModel = (runId: string) => {
    let model = models.get(runId);
    if (model === undefined) {
      model = ctx.loadModel ? ctx.loadModel(runId) : readModel(ctx.db, runId);
      models.set(runId, model);
    }
    return model;
  };
  const context: AttemptContext = { ...ctx, loadModel };
  const attempts = runs.map((run) => new RunAttempt(run, context));
  const leader = runs[0] as ClaimedRunRow;
  for (const a of attempts) a.begin();
  try {
    const prepared = await Promise.all(
      attempts.map(async (attempt) => {
        try {
          return { attempt, input: await attempt.prepare(), error: undefined };
        } catch (error) {
          return { attempt, input: undefined, error };
        }
      }),
    );
    const ready = prepared.filter((p) => p.input !== undefined);
    ctx.emit({
      type: 'pack-started',
      leaderRunId: leader.id,
      runIds: ready.map((p) => p.attempt.run.id),
      labels: ready.map((p) => p.attempt.run.label),
    });
    let training: Promise<RunOutcome>[] = [];
    try {
      if (ready.length > 0) training = (ctx.executePack ?? executePack)(ready.map((p) => p.input as ExecuteRunInput));
    } catch (error) {
      // A pack refused as a whole ends each member's attempt with that error, as its own failure would.
      training = ready.map(() => Promise.reject(error));
    }
    const settled = await Promise.all(
      prepared.map((p) => {
        if (p.input === undefined) return p.attempt.fail(p.error);
        return p.attempt.finish(training[ready.indexOf(p)] as Promise<RunOutcome>);
      }),
    );
    const outcomes = attempts.map((a, i) => ({ runId: a.run.id, outcome: settled[i] as JobOutcome }));
    ctx.emit({ type: 'pack-finished', leaderRunId: leader.id, outcomes });
    return settled[0] as JobOutcome;
  } finally {
    for (const a of attempts) a.end();
  }
}
