import { DEFAULT_PACK_MAX, MAX_PACK_MAX, SweepState } from '@distillery/spec';
import { z } from 'zod';

/** `POST /v1/sweeps?dryRun=true`: expand and size the sweep, store nothing. */
export const SubmitSweepQuery = z.object({
  dryRun: z.stringbool().default(false).describe('Return the expanded plan with predicted sizes; store nothing.'),
  rerun: z
    .stringbool()
    .default(false)
    .describe("Train every run again, even those the team already has (as the spec's `rerun: true`)."),
  packMax: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PACK_MAX)
    .default(DEFAULT_PACK_MAX)
    .describe(
      "A dry run's packs as workers packing at most this many runs would form them (their `DISTILLERY_PACK_MAX`); " +
        'ignored by a submission.',
    ),
});
export type SubmitSweepQuery = z.infer<typeof SubmitSweepQuery>;

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** `GET /v1/sweeps`: newest first, keyset-paginated. */
export const ListSweepsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE).describe('Page size.'),
  cursor: z.string().min(1).max(200).optional().describe('`nextCursor` of the previous page.'),
  specHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'a sha256 in hex (64 characters 0-9a-f)')
    .optional()
    .describe('Only sweeps of this canonical spec (`specHash` of a sweep or a dry run).'),
  state: SweepState.optional().describe('Only sweeps in this state.'),
});
export type ListSweepsQuery = z.infer<typeof ListSweepsQuery>;

export const RESULT_FORMATS = ['json', 'csv'] as const;

/** `GET /v1/sweeps/:id/results`. */
export const SweepResultsQuery = z.object({
  format: z.enum(RESULT_FORMATS).default('json').describe('`csv`: the rows as text/csv (no groups).'),
});
export type SweepResultsQuery = z.infer<typeof SweepResultsQuery>;
