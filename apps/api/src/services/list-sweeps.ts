import { listTeamSweeps, type Store } from '@distillery/db';
import { ValidationFailedError } from '../errors/http-errors.ts';
import { decodeSweepCursor, encodeSweepCursor } from '../lib/sweep-cursor.ts';
import type { ListSweepsQuery } from '../schemas/sweep-queries.ts';
import type { SweepList } from '../schemas/sweep-summary.ts';
import { toSweepSummary } from './to-sweep-summary.ts';

/**
 * The team's sweeps, newest first, optionally only those of one spec or in one state (`distillery run` finds
 * the unfinished sweep of its file this way). Keyset pagination on (created_at, id): stable while new sweeps arrive,
 * and served by the (team_id, created_at) index.
 */
export async function listSweeps(db: Store, teamId: string, query: ListSweepsQuery): Promise<SweepList> {
  const after = query.cursor === undefined ? null : decodeSweepCursor(query.cursor);
  if (query.cursor !== undefined && after === null) {
    throw new ValidationFailedError('the query string is invalid', [
      { path: 'cursor', message: 'not a cursor returned by this listing' },
    ]);
  }
  // One more than a page: whether there is a next one.
  const rows = await listTeamSweeps(db, teamId, {
    specHash: query.specHash,
    state: query.state,
    after,
    limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => toSweepSummary(row, row.runCount)),
    nextCursor: rows.length > query.limit && last ? encodeSweepCursor(last) : null,
  };
}
