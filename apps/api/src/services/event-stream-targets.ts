import { prismaOf, type Store } from '@distillery/db';
import { type RunState, TERMINAL_RUN_STATES } from '@distillery/spec';
import { NotFoundError } from '../errors/http-errors.ts';
import type { EventStreamTarget } from '../lib/event-stream-hub.ts';
import { isUuid } from '../lib/is-uuid.ts';

/** One of the team's runs as an event stream; 404 for another team's or a missing run. */
export async function runStreamTarget(db: Store, teamId: string, runId: string): Promise<EventStreamTarget> {
  if (!isUuid(runId)) throw new NotFoundError('run', runId);
  const run = await prismaOf(db).run.findFirst({ where: { id: runId, teamId }, select: { sweepId: true } });
  if (run === null) throw new NotFoundError('run', runId);
  return {
    sweepId: run.sweepId,
    runId,
    status: async () => {
      const { state } = await prismaOf(db).run.findUniqueOrThrow({ where: { id: runId }, select: { state: true } });
      return { state, finished: TERMINAL_RUN_STATES.includes(state as RunState) };
    },
  };
}

/** One of the team's sweeps as an event stream; 404 for another team's or a missing sweep. */
export async function sweepStreamTarget(db: Store, teamId: string, sweepId: string): Promise<EventStreamTarget> {
  if (!isUuid(sweepId)) throw new NotFoundError('sweep', sweepId);
  const sweep = await prismaOf(db).sweep.findFirst({ where: { id: sweepId, teamId }, select: { id: true } });
  if (sweep === null) throw new NotFoundError('sweep', sweepId);
  return {
    sweepId,
    status: async () => {
      const { state } = await prismaOf(db).sweep.findUniqueOrThrow({ where: { id: sweepId }, select: { state: true } });
      return { state, finished: state !== 'running' };
    },
  };
}

/** The stream's starting point: the Last-Event-ID header, else `?lastEventId`, else the beginning. */
export function resumeAfter(headerValue: string | undefined, queryValue: string | undefined): number {
  return Number(headerValue ?? queryValue ?? 0);
}
