import { RunKind, RunState, SizeBreakdown } from '@distillery/spec';
import { z } from 'zod';
import { PredictedSize } from './predicted-size.ts';
import { ReusedFrom } from './reused-from.ts';

/** The headline numbers of a run's result. */
export const ResultSummary = z.object({
  accuracy: z.number(),
  loss: z.number(),
  /** Measured on the packed artifact. */
  parameters: z.int(),
  bytes: z.int(),
  bits: z.int(),
  /** `bytes` measured on the packed artifact, split into codes, bucket headers and float tensors. */
  sizeBreakdown: SizeBreakdown.nullable().describe(
    'The measured bytes split into codes, bucket headers and float tensors; null for results recorded before it was measured.',
  ),
});
export type ResultSummary = z.infer<typeof ResultSummary>;

/** A run in its sweep's listing. */
export const RunSummary = z
  .object({
    id: z.uuid(),
    key: z.string(),
    kind: RunKind,
    label: z.string(),
    /** The run it waits for; may belong to another sweep of the team (a reused teacher). */
    parentId: z.uuid().nullable(),
    state: RunState,
    attempt: z.int(),
    /** Completed fraction of the run's epochs, 0..1. */
    progress: z.number(),
    predicted: PredictedSize,
    result: ResultSummary.nullable(),
    /** Why the run failed (its last attempt). */
    error: z.string().nullable(),
    /** Why the run was cancelled without running (e.g. its parent failed). */
    skippedReason: z.string().nullable(),
    /** Set when the run is an earlier sweep's, reused by this one instead of training it again. */
    reusedFrom: ReusedFrom.nullable(),
  })
  .meta({ id: 'RunSummary' });
export type RunSummary = z.infer<typeof RunSummary>;

export const RunList = z.object({ items: z.array(RunSummary) });
export type RunList = z.infer<typeof RunList>;
