import type { PlannedRun } from './expand-sweep.ts';
import { packKey } from './pack-key.ts';

/**
 * Runs a worker trains together as one pack at most, the job's own run included, unless configured otherwise
 * (`DISTILLERY_PACK_MAX`, `distillery worker --pack-max`). Each member holds its own model, optimizer state and
 * batch activations, so memory grows with the pack; 8 small students of one teacher fit a worker easily. 1
 * turns packing off.
 */
export const DEFAULT_PACK_MAX = 8;

/** The most a pack may hold (a configured pack max above it is refused). */
export const MAX_PACK_MAX = 64;

/** A planned pack: runs of the sweep that would train together. */
export interface PlannedPack {
  /** The members' keys, in the sweep's order. */
  keys: string[];
  /** The key of the run they wait for in the sweep (or the existing run's id), shared by every member. */
  parent: string | null;
  /** packages/spec packKey of the members' configs. */
  packKey: string;
}

/**
 * How a sweep's planned runs would be packed by workers packing up to `packMax` runs: the runs that will
 * train (those in `training`, e.g. not reused from earlier sweeps), grouped by parent and {@link packKey} in
 * the sweep's order, each group split into packs of at most `packMax`. Only packs of two or more are listed:
 * every other run trains alone. What workers form depends also on timing (a pack takes the runs queued when
 * its job starts), so this is the plan when the runs are queued together, as a teacher's students are when it
 * finishes.
 */
export function planPacks(
  planned: readonly PlannedRun[],
  packMax: number = DEFAULT_PACK_MAX,
  training: (run: PlannedRun) => boolean = () => true,
): PlannedPack[] {
  if (!(Number.isInteger(packMax) && packMax >= 1)) {
    throw new RangeError(`planPacks: packMax must be an integer ≥ 1, got ${packMax}`);
  }
  const groups = new Map<string, PlannedPack>();
  for (const run of planned) {
    const key = packKey(run.config);
    if (key === null || !training(run)) continue;
    const parent = run.parentKey ?? run.parentRunId;
    const id = JSON.stringify([parent, key]);
    let group = groups.get(id);
    if (group === undefined) {
      group = { keys: [], parent, packKey: key };
      groups.set(id, group);
    }
    group.keys.push(run.key);
  }
  const packs: PlannedPack[] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.keys.length; i += packMax) {
      const keys = group.keys.slice(i, i + packMax);
      if (keys.length > 1) packs.push({ ...group, keys });
    }
  }
  return packs;
}
