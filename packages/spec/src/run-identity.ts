import { createHash } from 'node:crypto';
import type { PlannedRun } from './expand-sweep.ts';

/**
 * A run's identity: what makes two runs of a team the same experiment, so a later sweep reuses the earlier run
 * instead of training it again. It is the run's configuration hash (data set, model, training, distillation,
 * quantization, seed) chained with its parent's identity: a student's includes its teacher's, a PTQ variant's
 * its student's. A run without a parent (a teacher) is identified by its configuration hash alone, so teachers
 * keep the identity they were reused by before identities existed.
 *
 * The database computes the same function when it backfills runs stored before identities (`sha256` over the
 * UTF-8 text `configHash/parentIdentity`); the two must not drift.
 */
export function runIdentity(configHash: string, parentIdentity: string | null): string {
  if (parentIdentity === null) return configHash;
  return createHash('sha256').update(`${configHash}/${parentIdentity}`).digest('hex');
}

/**
 * The identity of every run of an expansion, by key. `parentRunIdentity` is the identity of the existing run
 * the plan names as a parent (`teacher: { runId }`); required when the plan has such runs.
 */
export function planIdentities(
  planned: readonly PlannedRun[],
  parentRunIdentity: string | null = null,
): Map<string, string> {
  const byKey = new Map<string, string>();
  // Parents precede their children in an expansion, so one pass suffices.
  for (const r of planned) {
    let parent: string | null = null;
    if (r.parentKey !== null) {
      parent = byKey.get(r.parentKey) ?? null;
      if (parent === null) throw new Error(`run '${r.key}' precedes its parent '${r.parentKey}' in the plan`);
    } else if (r.parentRunId !== null) {
      if (parentRunIdentity === null) throw new Error(`run '${r.key}' names a parent run whose identity is unknown`);
      parent = parentRunIdentity;
    }
    byKey.set(r.key, runIdentity(r.hash, parent));
  }
  return byKey;
}
