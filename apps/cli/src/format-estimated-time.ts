import type { SweepPlan } from '@distillery/api';
import { scheduledSweepSeconds } from '@distillery/spec';

type RunEstimate = SweepPlan['runs'][number]['estimatedTime'];

/** `0.8 s`, `12 s`, `4.2 min`, `6.1 h`: a duration at the precision an estimate has. */
export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** A plan row's estimated time and where its rate came from: `≈1.3 s calibration`; `–` without one. */
export function formatRunEstimate(estimate: RunEstimate): string {
  return estimate ? `≈${formatDuration(estimate.seconds)} ${estimate.source}` : '–';
}

/**
 * The plan's estimated time, in all on one executor (and, with `threads` > 1, with that many runs training at
 * once, as an executor with that many training threads takes them) and along its critical path, with how many
 * runs' rates were measured by this store, calibrated or extrapolated: `estimated time: ≈3.1 min on one executor,
 * ≈14 s along the critical path (runs: 180 from calibration, 1 extrapolated; estimates, not measurements)`.
 */
export function formatSweepEstimate(plan: SweepPlan, threads = 1): string {
  const { totalSeconds, criticalPathSeconds, runsBySource, unestimatedRuns } = plan.estimatedTime;
  const sources = [
    runsBySource.measured > 0 ? `${runsBySource.measured} measured here` : '',
    runsBySource.calibration > 0 ? `${runsBySource.calibration} from calibration` : '',
    runsBySource.extrapolated > 0 ? `${runsBySource.extrapolated} extrapolated` : '',
    unestimatedRuns > 0 ? `${unestimatedRuns} without an estimate, not counted` : '',
  ].filter((s) => s !== '');
  const trained = runsBySource.measured + runsBySource.calibration + runsBySource.extrapolated + unestimatedRuns;
  if (trained === 0) return 'estimated time: nothing to train (every run is reused)';
  const parallel =
    threads > 1
      ? `, ≈${formatDuration(scheduledSweepSeconds(timedRuns(plan), threads))} with ${threads} training threads`
      : '';
  return (
    `estimated time: ≈${formatDuration(totalSeconds)} on one executor${parallel}, ` +
    `≈${formatDuration(criticalPathSeconds)} along the critical path ` +
    `(runs: ${sources.join(', ')}; estimates, not measurements)`
  );
}

function timedRuns(plan: SweepPlan) {
  const packOf = new Map(plan.packs.flatMap((p, i) => p.keys.map((k) => [k, String(i)] as const)));
  return plan.runs.map((r) => ({
    key: r.key,
    parentKey: r.parentKey,
    estimate: r.estimatedTime,
    reused: r.reusedFrom !== null,
    ...(packOf.has(r.key) ? { pack: packOf.get(r.key) as string } : {}),
  }));
}
