/**
 * Scheduling (issue 4, item 7). BullMQ takes prioritized jobs lowest number first (1 … 2,097,151; 0 would
 * mean "no priority" and jump ahead of every prioritized job, so it is never used). The number is made of:
 *
 * - a band per sweep priority: every run of a priority-10 sweep comes before any run of a priority-9 one;
 * - within a band, a fair-share rank: the run's position in its sweep × the number of running sweeps of its
 *   team. A sweep's k-th run competes with other sweeps' k-th runs, so a 5-run sweep submitted after a
 *   1,000-run one gets its turn at once instead of after 1,000 runs; and a team with three sweeps running
 *   ranks each of them three times further apart, so teams share the workers, not sweeps.
 *
 * Ties (same rank) go first in, first out.
 */
export const MIN_SWEEP_PRIORITY = -10;
export const MAX_SWEEP_PRIORITY = 10;
/** BullMQ's largest priority. */
const BULLMQ_MAX_PRIORITY = 2 ** 21 - 1;
const BANDS = MAX_SWEEP_PRIORITY - MIN_SWEEP_PRIORITY + 1;
/** Ranks per band: ~99,864; a rank beyond it shares the band's last slot. */
export const RANKS_PER_BAND = Math.floor((BULLMQ_MAX_PRIORITY - 1) / BANDS);

export interface JobRank {
  /** The sweep's priority, -10..10 (higher first). @defaultValue 0 */
  priority?: number | undefined;
  /** The run's ordinal in its sweep's expansion (0 for the teacher). @defaultValue 0 */
  position?: number | undefined;
  /** Running sweeps of the run's team (at least 1). @defaultValue 1 */
  teamSweeps?: number | undefined;
}

/** The BullMQ priority of a run's job: 1 (first) … 2,097,151. */
export function jobPriority(rank: JobRank): number {
  const priority = Math.min(MAX_SWEEP_PRIORITY, Math.max(MIN_SWEEP_PRIORITY, Math.round(rank.priority ?? 0)));
  const band = MAX_SWEEP_PRIORITY - priority;
  const share = Math.max(0, rank.position ?? 0) * Math.max(1, rank.teamSweeps ?? 1);
  return 1 + band * RANKS_PER_BAND + Math.min(RANKS_PER_BAND - 1, share);
}
