import { RunConfig, RunKind, SweepWarning } from '@distillery/spec';
import { z } from 'zod';
import { PredictedSize } from './predicted-size.ts';
import { ReusedFrom } from './reused-from.ts';

/** One run of a dry run's plan. */
export const PlannedRunView = z.object({
  /** Unique within the sweep: `teacher`, `s3.seed1`, `s3.seed1.q0`. */
  key: z.string(),
  kind: RunKind,
  /** The run it waits for, inside the sweep. */
  parentKey: z.string().nullable(),
  /** The existing run it waits for (a reused parent, `teacher: { runId }`). */
  parentRunId: z.string().nullable(),
  label: z.string(),
  /** Hash of the config without its seed: replicates share it. */
  group: z.string(),
  /** Hash of the whole config. */
  configHash: z.string(),
  /** The config hash chained with the parent's identity: runs of a team with one identity are trained once. */
  identity: z.string(),
  /** The team's existing run a submission would reuse instead of training this one; null: it trains. */
  reusedFrom: ReusedFrom.nullable(),
  /** Everything the worker will execute, defaults resolved. */
  config: RunConfig,
  predicted: PredictedSize,
  /** The Structured Multi-Hashing pool of an SMH model, sized before training; null for dense kernels. */
  smh: z
    .object({
      /** N: values of the kernels the pool stands for. */
      kernelValues: z.int(),
      /** L is m×k, R k×m; Z = L·R is m×m ≥ N. */
      m: z.int(),
      k: z.int(),
      /** 2mk: the values L and R store (counted in `predicted.parameters`). */
      poolValues: z.int(),
    })
    .nullable(),
});
export type PlannedRunView = z.infer<typeof PlannedRunView>;

/** `POST /v1/sweeps?dryRun=true`: what the sweep would run, parents first. Nothing is stored. */
export const SweepPlan = z
  .object({
    name: z.string(),
    /** sha256 of the canonical spec (the same hash a submission stores). */
    specHash: z.string(),
    /** Runs of the sweep, reused ones included. */
    runCount: z.int(),
    /** Of them, runs a submission would reuse from earlier sweeps instead of training (`reusedFrom`). */
    reusedRunCount: z.int(),
    /**
     * The team's existing teacher with this sweep's teacher configuration, which a submission would reuse instead
     * of training another (its dependents then wait for it); null when none.
     */
    reusedTeacherRunId: z.string().nullable(),
    runs: z.array(PlannedRunView),
    /** What in the spec looks unintended, e.g. a quantize variant that barely shrinks its student; a submission would still be accepted. */
    warnings: z.array(SweepWarning),
  })
  .meta({ id: 'SweepPlan' });
export type SweepPlan = z.infer<typeof SweepPlan>;
