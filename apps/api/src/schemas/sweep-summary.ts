import { SweepState } from '@distillery/spec';
import { z } from 'zod';

/** A sweep in a listing. */
export const SweepSummary = z
  .object({
    id: z.uuid().describe("The sweep's id."),
    name: z.string().describe("The sweep's name (from its spec)."),
    tags: z.array(z.string()).describe("The spec's tags."),
    state: SweepState.describe(
      'running until every run has finished; then succeeded, failed (any run failed) or cancelled.',
    ),
    specHash: z.string().describe('sha256 of the canonical (validated, key-sorted) spec: equal specs, equal hashes.'),
    runCount: z.int().describe('Number of runs the sweep expanded to.'),
    createdAt: z.iso.datetime().describe('When it was submitted.'),
    updatedAt: z.iso.datetime().describe('When its state last changed.'),
    finishedAt: z.iso.datetime().nullable().describe('When the last run reached a terminal state; null while running.'),
  })
  .meta({ id: 'SweepSummary' });
export type SweepSummary = z.infer<typeof SweepSummary>;

export const SweepList = z.object({
  items: z.array(SweepSummary).describe("The page's sweeps, newest first."),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
});
export type SweepList = z.infer<typeof SweepList>;
