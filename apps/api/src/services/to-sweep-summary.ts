import type { SweepRow } from '@distillery/db';
import type { SweepState } from '@distillery/spec';
import { iso } from '../lib/iso.ts';
import type { SweepSummary } from '../schemas/sweep-summary.ts';

export function toSweepSummary(row: SweepRow, runCount: number): SweepSummary {
  return {
    id: row.id,
    name: row.name,
    tags: row.tags,
    state: row.state as SweepState,
    specHash: row.specHash,
    runCount,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    finishedAt: iso(row.finishedAt),
  };
}
