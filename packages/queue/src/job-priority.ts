import type { RunDispatch } from '@distillery/spec';

/**
 * Scheduling. BullMQ takes prioritized jobs lowest number first (1 … 2,097,151; 0 would
 * mean "no priority" and jump ahead of every prioritized job, so it is never used). The number is made of:
 *
 * - a band per cross-team priority: every run of a band-10 sweep comes before any run of a band-9 one. Only a
 *   sweep an admin key submitted has a band of its own priority; every other sweep is in band 0, so that a
 *   member cannot put a team's runs ahead of every other team's;
 * - within a band, a fair-share rank: `ahead` + the run's position in its sweep × the number of the team's
 *   running sweeps it shares its priority with. A sweep's k-th run competes with other sweeps' k-th runs, so a
 *   5-run sweep submitted after a 1,000-run one gets its turn at once instead of after 1,000 runs; a team with
 *   three sweeps running ranks each of them three times further apart, so teams share the workers, not sweeps;
 *   and `ahead` (the open runs of the team's higher-priority sweeps in the band) puts a team's lower-priority
 *   sweeps after its higher ones while the team as a whole keeps its share, no more.
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

/** What ranks a queued run (see {@link RunDispatch} for each field). */
export type JobRank = Pick<RunDispatch, 'priority' | 'position' | 'teamSweeps' | 'ahead'>;

/** The BullMQ priority of a run's job: 1 (first) … 2,097,151. */
export function jobPriority(rank: JobRank): number {
  const priority = Math.min(MAX_SWEEP_PRIORITY, Math.max(MIN_SWEEP_PRIORITY, Math.round(rank.priority ?? 0)));
  const band = MAX_SWEEP_PRIORITY - priority;
  const share = Math.max(0, rank.ahead ?? 0) + Math.max(0, rank.position ?? 0) * Math.max(1, rank.teamSweeps ?? 1);
  return 1 + band * RANKS_PER_BAND + Math.min(RANKS_PER_BAND - 1, share);
}
