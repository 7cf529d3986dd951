import { RunConfig, RunKind, RunTimeEstimate, SweepTimeEstimate, SweepWarning } from '@distillery/spec';
import { z } from 'zod';
import { PredictedSize } from './predicted-size.ts';
import { ReusedFrom } from './reused-from.ts';

/** One run of a dry run's plan. */
export const PlannedRunView = z.object({
  key: z.string().describe('Unique within the sweep: `teacher`, `s3.seed1`, `s3.seed1.q0`.'),
  kind: RunKind.describe('teacher, student, quantize-ptq, quantize-qat or prune.'),
  parentKey: z.string().nullable().describe('The run it waits for, inside the sweep.'),
  parentRunId: z.string().nullable().describe('The existing run it waits for (a reused parent, `teacher: { runId }`).'),
  label: z.string().describe('A readable summary of its configuration.'),
  group: z.string().describe('Hash of the config without its seed: replicates share it.'),
  configHash: z.string().describe('Hash of the whole config.'),
  identity: z
    .string()
    .describe("The config hash chained with the parent's identity: runs of a team with one identity are trained once."),
  reusedFrom: ReusedFrom.nullable().describe(
    "The team's existing run a submission would reuse instead of training this one; null: it trains.",
  ),
  config: RunConfig.describe('Everything the worker will execute, defaults resolved.'),
  predicted: PredictedSize.describe('The size predicted from the configuration.'),
  estimatedTime: RunTimeEstimate.nullable().describe(
    "How long the run would take on one executor, estimated from its shape's throughput (this store's measured " +
      'runs, else the shipped calibration, else extrapolated); null when no rate applies. A reused run would not ' +
      'train: the sweep total leaves it out.',
  ),
  smh: z
    .object({
      /** N: values of the kernels the pool stands for. */
      kernelValues: z.int().describe('N: values of the kernels the pool stands for.'),
      /** L is m×k, R k×m; Z = L·R is m×m ≥ N. */
      m: z.int().describe('L is m×k, R k×m; Z = L·R is m×m ≥ N.'),
      k: z.int().describe('The inner dimension of L and R.'),
      /** 2mk: the values L and R store (counted in `predicted.parameters`). */
      poolValues: z.int().describe('2mk: the values L and R store (counted in `predicted.parameters`).'),
    })
    .nullable()
    .describe('The Structured Multi-Hashing pool of an SMH model, sized before training; null for dense kernels.'),
  crembo: z
    .object({
      thresholds: z.int().describe('Depth thresholds of the quantile grid: one training of the student each, at most.'),
      loss: z.string().describe('The multi-label loss: bce or soft.'),
      maxEpochs: z.int().describe('Epochs over all its trainings at most: thresholds × train.epochs.'),
      validation: z
        .number()
        .describe('The share of training rows held out to select the student on (dataset.validation).'),
    })
    .nullable()
    .describe('A CREMBO run: its search over depth thresholds, bounded before training; null for KD and others.'),
});
export type PlannedRunView = z.infer<typeof PlannedRunView>;

/** Runs of a dry run's plan that workers would train together as one pack. */
export const PlannedPackView = z.object({
  keys: z.array(z.string()).describe("The members' run keys, in the sweep's order."),
  parent: z
    .string()
    .nullable()
    .describe('The run they all wait for: its key in the sweep, or the id of an existing run.'),
  packKey: z.string().describe('What the members have in common (packages/spec packKey of their configs).'),
});
export type PlannedPackView = z.infer<typeof PlannedPackView>;

/** `POST /v1/sweeps?dryRun=true`: what the sweep would run, parents first. Nothing is stored. */
export const SweepPlan = z
  .object({
    name: z.string().describe("The sweep's name."),
    specHash: z.string().describe('sha256 of the canonical spec (the same hash a submission stores).'),
    runCount: z.int().describe('Runs of the sweep, reused ones included.'),
    reusedRunCount: z
      .int()
      .describe('Of them, runs a submission would reuse from earlier sweeps instead of training (`reusedFrom`).'),
    reusedTeacherRunId: z
      .string()
      .nullable()
      .describe(
        "The team's existing teacher with this sweep's teacher configuration, which a submission would reuse " +
          'instead of training another (its dependents then wait for it); null when none.',
      ),
    runs: z.array(PlannedRunView).describe('Every run, parents first.'),
    estimatedTime: SweepTimeEstimate.describe(
      "The sweep's estimated time from its runs' estimates: in all on one executor, and along its critical path.",
    ),
    packMax: z.int().describe('The pack size the packs are planned for (`?packMax`).'),
    packs: z
      .array(PlannedPackView)
      .describe(
        'Runs that train together as one pack (students of one teacher with equal pack keys, up to `packMax`), ' +
          'each still its own run with its own result; every run in none trains alone.',
      ),
    warnings: z
      .array(SweepWarning)
      .describe(
        'What in the spec looks unintended, e.g. a quantize variant that barely shrinks its student; a ' +
          'submission would still be accepted.',
      ),
  })
  .meta({ id: 'SweepPlan' });
export type SweepPlan = z.infer<typeof SweepPlan>;
