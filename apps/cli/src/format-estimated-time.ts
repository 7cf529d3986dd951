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
 * ≈14 s along the critical path (runs: 180 from calibration, 1 extrapolated; estimates, not measurements)`; then,
 * where the estimate adds per-run work, the one-executor time split into its two terms, `≈2.4 min training +
 * ≈41 s per-run work (0.31 s per run alone × 121, 1.2 s per pack × 30; from calibration)`.
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
  const { overhead } = plan.estimatedTime;
  const parallel =
    threads > 1
      ? `, ≈${formatDuration(scheduledSweepSeconds(timedRuns(plan), threads, overhead))} with ${threads} training threads`
      : '';
  const line =
    `estimated time: ≈${formatDuration(totalSeconds)} on one executor${parallel}, ` +
    `≈${formatDuration(criticalPathSeconds)} along the critical path ` +
    `(runs: ${sources.join(', ')}; estimates, not measurements)`;
  return overhead ? `${line}\n${formatOverheadTerm(plan)}` : line;
}

/**
 * The one-executor estimate's two terms: the runs' training (their rates) and the per-run work around them, with
 * what each task adds and where that was measured.
 */
function formatOverheadTerm(plan: SweepPlan): string {
  const { trainingSeconds, overheadSeconds, overhead } = plan.estimatedTime;
  if (!overhead) return '';
  const trained = new Set(plan.runs.filter((r) => r.reusedFrom === null).map((r) => r.key));
  const packs = plan.packs.filter((p) => p.keys.some((k) => trained.has(k)));
  const alone = trained.size - packs.reduce((n, p) => n + p.keys.length, 0);
  const parts = [
    alone > 0 ? `${seconds(overhead.perRunSeconds)} per run alone × ${alone}` : '',
    packs.length > 0 ? `${seconds(overhead.perPackSeconds)} per pack × ${packs.length}` : '',
  ].filter((p) => p !== '');
  const where = overhead.source === 'measured' ? 'measured here' : 'from calibration';
  return (
    `  ≈${formatDuration(trainingSeconds)} training + ≈${formatDuration(overheadSeconds)} per-run work ` +
    `(${parts.join(', ')}; ${where})`
  );
}

/** `0.31 s`, `1.2 s`, `12 s`: a per-task time. */
function seconds(s: number): string {
  return s < 1 ? `${s.toFixed(2)} s` : formatDuration(s);
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
