import { runAncestors, type Store } from '@distillery/db';
import type { ModelArtifact } from '@distillery/ml';
import { type RunConfig, runSyntheticData } from '@distillery/spec';
import { StoredConfigError } from './run-errors.ts';

/** The artifacts a run reads from above it; see {@link loadAncestors}. */
export interface RunAncestry {
  parent?: ModelArtifact;
  /** A prune run's student's teacher. */
  teacher?: ModelArtifact;
  /** The synthetic data set a run on synthetic data trains on (a synthesize run's artifact). */
  synthetic?: ModelArtifact;
}

/**
 * The artifacts a run reads from above it. `parent`: its parent's — except for a student or QAT run on synthetic
 * data, whose parent is its synthesize run: there `parent` is the teacher, the model it distils from, and
 * `synthetic` the synthesize run's data set. `teacher`: a prune run's student's teacher (its nearest teacher
 * ancestor). `synthetic`, for a PTQ variant of a student on synthetic data: the data set its student trained on
 * (its LMA recalibration reads it instead of the training split).
 */
export async function loadAncestors(
  db: Store,
  run: { id: string; parentId: string | null },
  config: RunConfig,
  loadModel: (runId: string) => Promise<ModelArtifact>,
): Promise<RunAncestry> {
  if (!run.parentId) return {};
  const synthetic = runSyntheticData(config);
  if (!synthetic && config.kind !== 'prune') return { parent: await loadModel(run.parentId) };
  const ancestors = await runAncestors(db, run.id);
  const nearest = (kind: string) => ancestors.find((a) => a.kind === kind)?.id;
  const teacherId = nearest('teacher');
  const synthesisId = synthetic ? nearest('synthesize') : undefined;
  if (synthetic && !synthesisId) throw new StoredConfigError('a run on synthetic data has no synthesize run above it');
  const viaSynthesis = synthetic !== null && (config.kind === 'student' || config.kind === 'quantize-qat');
  const parentId = viaSynthesis ? teacherId : run.parentId;
  if (!parentId) throw new StoredConfigError(`a ${config.kind} run on synthetic data has no teacher above it`);
  return {
    parent: await loadModel(parentId),
    ...(config.kind === 'prune' && teacherId ? { teacher: await loadModel(teacherId) } : {}),
    ...(synthesisId ? { synthetic: await loadModel(synthesisId) } : {}),
  };
}
