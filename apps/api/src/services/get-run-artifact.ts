import { findTeamRun, loadArtifacts, type Store } from '@distillery/db';
import {
  type ArtifactFile,
  exportTfjsLayersModel,
  MODEL_JSON,
  SYNTHETIC_JSON,
  TFJS_MODEL_JSON,
  TFJS_WEIGHTS_BIN,
  WEIGHTS_BIN,
} from '@distillery/ml/artifact';
import { ArtifactNotFoundError, NotFoundError } from '../errors/http-errors.ts';
import { isUuid } from '../lib/is-uuid.ts';
import {
  ARTIFACT_NAMES,
  type ArtifactName,
  DATASET_ARTIFACT_NAMES,
  MODEL_ARTIFACT_NAMES,
} from '../schemas/artifact-name.ts';

/** The stored packed files, served under names that do not collide with the tfjs export's. */
const PACKED_NAMES: Record<string, ArtifactName> = { [MODEL_JSON]: 'packed.json', [WEIGHTS_BIN]: 'packed.bin' };

/**
 * One file of a team's finished run: the model as a standard tfjs-layers model (`model.json` +
 * `model.weights.bin`, converted from the stored artifact on request) or the packed artifact as stored
 * (`packed.json` + `packed.bin`); a synthesize run's data set files as stored. Another team's run, and a run
 * without a model (or data set) yet, answer 404.
 */
export async function getRunArtifact(db: Store, teamId: string, runId: string, name: string): Promise<ArtifactFile> {
  if (!isUuid(runId)) throw new NotFoundError('run', runId);
  const run = await findTeamRun(db, teamId, runId);
  if (run === null) throw new NotFoundError('run', runId);
  if (!(ARTIFACT_NAMES as readonly string[]).includes(name)) {
    throw new ArtifactNotFoundError(
      runId,
      name,
      `a run serves ${MODEL_ARTIFACT_NAMES.join(', ')}; a synthesize run ${DATASET_ARTIFACT_NAMES.join(', ')}`,
    );
  }
  const stored = await loadArtifacts(db, runId);
  if (stored.some((f) => f.name === SYNTHETIC_JSON)) {
    const file = stored.find((f) => f.name === name);
    if (!file)
      throw new ArtifactNotFoundError(runId, name, `a synthesize run serves ${DATASET_ARTIFACT_NAMES.join(', ')}`);
    return file;
  }
  if ((DATASET_ARTIFACT_NAMES as readonly string[]).includes(name)) {
    throw new ArtifactNotFoundError(runId, name, `a run with a model serves ${MODEL_ARTIFACT_NAMES.join(', ')}`);
  }
  if (!stored.some((f) => f.name === MODEL_JSON)) {
    throw new ArtifactNotFoundError(runId, name, `the run stored no model (state ${run.state})`);
  }
  const files =
    name === TFJS_MODEL_JSON || name === TFJS_WEIGHTS_BIN
      ? exportTfjsLayersModel({ files: stored })
      : stored.flatMap((f) => (PACKED_NAMES[f.name] ? [{ ...f, name: PACKED_NAMES[f.name] as string }] : []));
  const file = files.find((f) => f.name === name);
  if (!file) throw new ArtifactNotFoundError(runId, name, `the run stored no ${name}`);
  return file;
}
