import { RunConfig } from '@distillery/spec';
import { z } from 'zod';
import { RecordedEpoch } from './recorded-epoch.ts';
import { RecordedRunResult } from './recorded-run-result.ts';
import { RunSummary } from './run-summary.ts';

/** Everything about one run. */
export const RunDetail = RunSummary.omit({ result: true, reusedFrom: true })
  .extend({
    sweepId: z.uuid().describe('The sweep the run belongs to (later sweeps may reuse it).'),
    groupHash: z.string().describe('Hash of the config without its seed: replicates share it.'),
    configHash: z.string().describe('Hash of the whole config.'),
    identity: z
      .string()
      .describe(
        "The config hash chained with the parent's identity: the team's runs with one identity are trained once.",
      ),
    config: RunConfig.describe('What the worker executes, defaults resolved.'),
    error: z.string().nullable().describe('Why the run failed (its last attempt).'),
    skippedReason: z
      .string()
      .nullable()
      .describe('Why the run was cancelled without running (e.g. its parent failed).'),
    packKey: z
      .string()
      .nullable()
      .describe(
        'Which runs of its sweep with the same parent may train together with it as one pack (equal keys); ' +
          'null: it always trains alone.',
      ),
    packedBy: z
      .uuid()
      .nullable()
      .describe(
        'The run whose job trained this one in its pack (its last attempt); null when it trained alone or its own ' +
          'job started the pack. A packed run keeps its own state, epochs, checkpoints and result.',
      ),
    createdAt: z.iso.datetime().describe('When the sweep created the run.'),
    queuedAt: z.iso.datetime().nullable().describe('When the run (last) became `queued`.'),
    startedAt: z.iso.datetime().nullable().describe('When a worker claimed it (its last attempt).'),
    finishedAt: z.iso.datetime().nullable().describe('When it reached a terminal state.'),
    heartbeatAt: z.iso.datetime().nullable().describe('Last sign of life from the worker running it.'),
    metrics: z.array(RecordedEpoch).describe('The learning curve, by epoch.'),
    latestMetrics: RecordedEpoch.nullable().describe("The last epoch's metrics; null before the first epoch ends."),
    result: RecordedRunResult.nullable().describe("The run's result; null until it succeeds."),
  })
  .meta({ id: 'RunDetail' });
export type RunDetail = z.infer<typeof RunDetail>;
