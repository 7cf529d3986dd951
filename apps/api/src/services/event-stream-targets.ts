import { findTeamRun, readRunState, readSweepState, type Store, teamSweepExists } from '@distillery/db';
import { type RunState, TERMINAL_RUN_STATES } from '@distillery/spec';
import { NotFoundError } from '../errors/http-errors.ts';
import type { EventStreamTarget } from '../lib/event-stream-hub.ts';
import { isUuid } from '../lib/is-uuid.ts';

/** One of the team's runs as an event stream; 404 for another team's or a missing run. */
export async function runStreamTarget(db: Store, teamId: string, runId: string): Promise<EventStreamTarget> {
  if (!isUuid(runId)) throw new NotFoundError('run', runId);
  const run = await findTeamRun(db, teamId, runId);
  if (run === null) throw new NotFoundError('run', runId);
  return {
    sweepId: run.sweepId,
    runId,
    status: async () => {
      const state = (await readRunState(db, runId)) as RunState;
      return { state, finished: TERMINAL_RUN_STATES.includes(state) };
    },
  };
}

/** One of the team's sweeps as an event stream; 404 for another team's or a missing sweep. */
export async function sweepStreamTarget(db: Store, teamId: string, sweepId: string): Promise<EventStreamTarget> {
  if (!isUuid(sweepId)) throw new NotFoundError('sweep', sweepId);
  if (!(await teamSweepExists(db, teamId, sweepId))) throw new NotFoundError('sweep', sweepId);
  return {
    sweepId,
    status: async () => {
      const state = (await readSweepState(db, sweepId)) as string;
      return { state, finished: state !== 'running' };
    },
  };
}

/** The stream's starting point: the Last-Event-ID header, else `?lastEventId`, else the beginning. */
export function resumeAfter(headerValue: string | undefined, queryValue: string | undefined): number {
  return Number(headerValue ?? queryValue ?? 0);
}
