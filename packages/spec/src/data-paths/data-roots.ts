import { isAbsolute, join } from 'node:path';

/**
 * Where a `dataset.path` (`idx`, `cifar10-bin`) may point: inside one of the operator's shared roots, or inside
 * the submitting team's own folder `<teamBase>/<team id>`. Nothing else: the built-in data sets (`mnist`,
 * `fashion-mnist`, `synthetic`) need no path.
 */
export interface DataRoots {
  /** Absolute folders every team of the deployment may read (env DISTILLERY_DATA_ROOTS). @defaultValue [] */
  shared: readonly string[];
  /**
   * Absolute folder holding one sub-folder per team, named by team id; `null`: no team folders.
   * @defaultValue null
   */
  teamBase: string | null;
}

/** No path-based data set is allowed anywhere. */
export const NO_DATA_ROOTS: DataRoots = { shared: [], teamBase: null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The folder of one team under `teamBase` (team ids are UUIDs, so the name cannot climb out of it). */
export function teamDataFolder(teamBase: string, teamId: string): string {
  if (!UUID.test(teamId)) throw new TypeError(`team data folder: '${teamId}' is not a team id`);
  return join(teamBase, teamId.toLowerCase());
}

/** The folders a team's `dataset.path` may resolve into: the shared roots, then the team's own folder. */
export function teamDataRoots(roots: DataRoots, teamId: string): string[] {
  const out = [...roots.shared];
  if (roots.teamBase !== null) out.push(teamDataFolder(roots.teamBase, teamId));
  return out;
}

/** Rejects relative roots: a root must mean the same folder to every process that checks it. */
export function checkDataRoots(roots: DataRoots, option = 'dataRoots'): DataRoots {
  for (const root of [...roots.shared, ...(roots.teamBase === null ? [] : [roots.teamBase])]) {
    if (!isAbsolute(root)) throw new RangeError(`${option}: data roots must be absolute paths, got '${root}'`);
  }
  return roots;
}
