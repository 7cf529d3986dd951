import type { SweepState } from '@distillery/spec';
import { prismaOf } from '../store/prisma-of.ts';
import type { Store } from '../store/store.ts';
import type { SweepRow } from './sweep-row.ts';

/** Which of a team's sweeps to list, and from where. */
export interface ListTeamSweepsQuery {
  /** Only sweeps of this spec (its canonical hash). */
  specHash?: string;
  state?: SweepState;
  /** Start after this sweep, in the listing's order (created_at desc, id desc). */
  after?: { createdAt: Date; id: string } | null;
  limit: number;
}

/** A sweep as a listing shows it, with its run count (own and reused). */
export interface TeamSweepRow extends SweepRow {
  runCount: number;
}

/**
 * The team's sweeps, newest first, up to `limit`. Keyset pagination on (created_at, id): stable while new sweeps
 * arrive, and served by the (team_id, created_at) index.
 */
export async function listTeamSweeps(
  store: Store,
  teamId: string,
  query: ListTeamSweepsQuery,
): Promise<TeamSweepRow[]> {
  const { after } = query;
  const rows = await prismaOf(store).sweep.findMany({
    where: {
      teamId,
      ...(query.specHash !== undefined && { specHash: query.specHash }),
      ...(query.state !== undefined && { state: query.state }),
      ...(after && {
        OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
      }),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: query.limit,
    select: {
      id: true,
      name: true,
      tags: true,
      state: true,
      specHash: true,
      createdAt: true,
      updatedAt: true,
      finishedAt: true,
      _count: { select: { runs: true, reusedRuns: true } },
    },
  });
  return rows.map(({ _count, ...row }) => ({ ...row, runCount: _count.runs + _count.reusedRuns }));
}
