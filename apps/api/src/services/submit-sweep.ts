import { expandSweep, quantizeWarnings, type TeacherArtifactFacts } from '@distillery/spec';
import type { SubmittedSweep } from '../schemas/submitted-sweep.ts';
import { type CreateSweepDeps, type CreateSweepInput, createSweep } from './create-sweep.ts';
import { getSweep } from './get-sweep.ts';

export interface SubmitSweepInput extends Omit<CreateSweepInput, 'planned'> {
  /** What the API read of an imported teacher's files (`checkTeacherArtifact`). @defaultValue null */
  teacherArtifact?: TeacherArtifactFacts | null;
}

/**
 * A submission's answer: the sweep stored (createSweep) as `GET /v1/sweeps/:id` shows it, with the warnings
 * about its spec. The spec is expanded once, before the transaction, for both: at the 5,000-run ceiling an
 * expansion keeps the event loop busy for 150–350 ms on a shared 2-core machine.
 */
export async function submitSweep(deps: CreateSweepDeps, input: SubmitSweepInput): Promise<SubmittedSweep> {
  const { teacherArtifact = null, ...rest } = input;
  const planned = expandSweep(input.spec, { teacherArtifact });
  const id = await createSweep(deps, { ...rest, planned });
  const sweep = await getSweep(deps.db, input.teamId, id);
  return { ...sweep, warnings: quantizeWarnings(planned) };
}
