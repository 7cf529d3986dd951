import { SweepState } from '@distillery/spec';
import { z } from 'zod';

/** A sweep in a listing. */
export const SweepSummary = z
  .object({
    id: z.uuid(),
    name: z.string(),
    tags: z.array(z.string()),
    state: SweepState,
    /** sha256 of the canonical (validated, key-sorted) spec: equal specs, equal hashes. */
    specHash: z.string(),
    /** Number of runs the sweep expanded to. */
    runCount: z.int(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    /** When the last run reached a terminal state; null while running. */
    finishedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'SweepSummary' });
export type SweepSummary = z.infer<typeof SweepSummary>;

export const SweepList = z.object({
  items: z.array(SweepSummary),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type SweepList = z.infer<typeof SweepList>;
