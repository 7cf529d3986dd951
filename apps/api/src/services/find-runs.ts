import { findRunsByIdPrefix, type Store } from '@distillery/db';
import type { RunKind, RunState } from '@distillery/spec';
import type { FindRunsQuery, RunReferenceList } from '../schemas/run-lookup.ts';

/** The team's runs whose id starts with `idPrefix`, newest first. */
export async function findRuns(db: Store, teamId: string, q: FindRunsQuery): Promise<RunReferenceList> {
  const { total, items } = await findRunsByIdPrefix(db, teamId, q.idPrefix, q.limit);
  return {
    total,
    items: items.map((r) => ({
      ...r,
      kind: r.kind as RunKind,
      state: r.state as RunState,
      createdAt: r.createdAt.toISOString(),
    })),
  };
}
