import { RunKind, RunState } from '@distillery/spec';
import { z } from 'zod';
import { PredictedSize } from './predicted-size.ts';
import { RecordedRunResult } from './recorded-run-result.ts';
import { ReusedFrom } from './reused-from.ts';

/** The headline numbers of a run's result. */
export const ResultSummary = RecordedRunResult.pick({
  accuracy: true,
  loss: true,
  parameters: true,
  bytes: true,
  bits: true,
  sizeBreakdown: true,
});
export type ResultSummary = z.infer<typeof ResultSummary>;

/** A run in its sweep's listing. */
export const RunSummary = z
  .object({
    id: z.uuid().describe("The run's id."),
    key: z.string().describe('Unique within the sweep: `teacher`, `s3.seed1`, `s3.seed1.q0`.'),
    kind: RunKind.describe('teacher, student, quantize-ptq, quantize-qat or prune.'),
    label: z.string().describe('A readable summary of its configuration.'),
    parentId: z
      .uuid()
      .nullable()
      .describe('The run it waits for; may belong to another sweep of the team (a reused teacher).'),
    state: RunState.describe('waiting, queued, running, succeeded, failed or cancelled.'),
    attempt: z.int().describe('The current attempt, 1-based (a retry or a resume adds one).'),
    progress: z.number().describe("Completed fraction of the run's epochs, 0..1."),
    predicted: PredictedSize.describe('The size the plan predicts, before training.'),
    result: ResultSummary.nullable().describe('The headline numbers of its result; null until it succeeds.'),
    error: z.string().nullable().describe('Why the run failed (its last attempt).'),
    skippedReason: z
      .string()
      .nullable()
      .describe('Why the run was cancelled without running (e.g. its parent failed).'),
    reusedFrom: ReusedFrom.nullable().describe(
      "Set when the run is an earlier sweep's, reused by this one instead of training it again.",
    ),
  })
  .meta({ id: 'RunSummary' });
export type RunSummary = z.infer<typeof RunSummary>;

export const RunList = z.object({ items: z.array(RunSummary).describe("The sweep's runs, in expansion order.") });
export type RunList = z.infer<typeof RunList>;
