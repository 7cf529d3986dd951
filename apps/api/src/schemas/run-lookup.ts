import { RUN_ID_PREFIX } from '@distillery/db';
import { RunKind, RunState } from '@distillery/spec';
import { z } from 'zod';

/** `GET /v1/runs?idPrefix=`: the team's runs whose id starts with a prefix (the CLI's run references). */
export const FindRunsQuery = z.object({
  idPrefix: z
    .string()
    .regex(RUN_ID_PREFIX, 'hexadecimal digits and dashes, at most 36 characters (the start of a run id)')
    .refine((p) => p.replaceAll('-', '').length <= 32, 'at most the 32 hexadecimal digits of a run id')
    .describe('The start of a run id (case and dashes ignored): `3f2a`, `3f2a91c0-7b`.'),
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Most runs listed, newest first.'),
});
export type FindRunsQuery = z.infer<typeof FindRunsQuery>;

/** A run found by its id's prefix: enough to tell it from the others that share the prefix. */
export const RunReference = z
  .object({
    id: z.uuid().describe("The run's id."),
    sweepId: z.uuid().describe('The sweep that created the run.'),
    key: z.string().describe("The run's key in its sweep (`teacher`, `s0.seed1`, `s0.seed1.q0`)."),
    label: z.string().describe('A readable summary of its configuration.'),
    kind: RunKind.describe('teacher, student, quantize-ptq, quantize-qat or prune.'),
    state: RunState.describe("The run's state now."),
    createdAt: z.iso.datetime().describe('When its sweep created it.'),
  })
  .meta({ id: 'RunReference' });
export type RunReference = z.infer<typeof RunReference>;

export const RunReferenceList = z
  .object({
    total: z.int().describe('Runs whose id starts with the prefix, all of them.'),
    items: z.array(RunReference).describe('The newest of them, at most `limit`.'),
  })
  .meta({ id: 'RunReferenceList' });
export type RunReferenceList = z.infer<typeof RunReferenceList>;
