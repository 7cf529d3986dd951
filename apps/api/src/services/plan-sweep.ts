import {
  canonicalHash,
  DEFAULT_PACK_MAX,
  datasetShape,
  estimateRunTime,
  estimateSweepTime,
  expandSweep,
  modelSmhPool,
  planIdentities,
  planPacks,
  quantizeWarnings,
  RUN_OVERHEAD_CALIBRATION,
  type RunConfig,
  resolveCrembo,
  runEpochs,
  type SweepSpec,
  TEACHER_KEY,
  THROUGHPUT_CALIBRATION,
  type ThroughputRates,
} from '@distillery/spec';
import type { PlannedRunView, SweepPlan } from '../schemas/sweep-plan.ts';
import type { ResolvedSweepRuns } from './resolve-sweep-runs.ts';

/** Rates of a plan whose store has measured nothing: the shipped calibration alone. */
const CALIBRATION_ONLY: ThroughputRates = {
  measured: [],
  calibration: THROUGHPUT_CALIBRATION,
  overhead: RUN_OVERHEAD_CALIBRATION,
};

/**
 * A dry run: the sweep's runs, parents first, with their configs, identities, the sizes predicted from their
 * model specs, which of them a submission would reuse from earlier sweeps (`resolved`, from resolveSweepRuns;
 * default: none reused, for a spec without a named teacher), their estimated times from `rates` (default: the
 * shipped calibration alone), in all and along the critical path (a pack's members finish together), with the
 * per-run work of `rates.overhead` on top of each run alone and each pack, and the packs workers packing up to
 * `packMax` runs would train (of the runs not reused). Pure.
 */
export function planSweep(
  spec: SweepSpec,
  resolved: Pick<ResolvedSweepRuns, 'planned' | 'identities' | 'reused'> = defaultResolution(spec),
  rates: ThroughputRates = CALIBRATION_ONLY,
  packMax: number = DEFAULT_PACK_MAX,
): SweepPlan {
  const { planned, identities, reused } = resolved;
  const estimates = new Map(planned.map((r) => [r.key, estimateRunTime(r.config, rates)]));
  const packs = planPacks(planned, packMax, (r) => !reused.has(r.key));
  const packOf = new Map(packs.flatMap((p, i) => p.keys.map((k) => [k, String(i)] as const)));
  return {
    name: spec.name,
    specHash: canonicalHash(spec),
    runCount: planned.length,
    reusedRunCount: reused.size,
    reusedTeacherRunId: reused.get(TEACHER_KEY)?.id ?? null,
    runs: planned.map((r) => {
      const existing = reused.get(r.key);
      const parent = r.parentKey === null ? undefined : reused.get(r.parentKey);
      return {
        key: r.key,
        kind: r.kind,
        parentKey: r.parentKey,
        parentRunId: parent?.id ?? r.parentRunId,
        label: r.label,
        group: r.group,
        configHash: r.hash,
        identity: identities.get(r.key) as string,
        reusedFrom: existing ? { sweepId: existing.sweepId, runId: existing.id, key: existing.key } : null,
        config: r.config,
        predicted: r.size,
        estimatedTime: estimates.get(r.key) ?? null,
        smh: smhPoolView(r.config),
        crembo: cremboView(r.config),
      };
    }),
    estimatedTime: estimateSweepTime(
      planned.map((r) => ({
        key: r.key,
        parentKey: r.parentKey,
        estimate: estimates.get(r.key) ?? null,
        reused: reused.has(r.key),
        ...(packOf.has(r.key) ? { pack: packOf.get(r.key) as string } : {}),
      })),
      rates.overhead ?? null,
    ),
    packMax,
    packs,
    warnings: quantizeWarnings(planned),
  };
}

function smhPoolView(config: RunConfig): PlannedRunView['smh'] {
  if (config.model === null || config.model.family === 'imported') return null;
  const pool = modelSmhPool(config.model, datasetShape(config.dataset));
  return pool && { kernelValues: pool.poolSize, m: pool.m, k: pool.k, poolValues: pool.storedValues };
}

function cremboView(config: RunConfig): PlannedRunView['crembo'] {
  if (config.distill?.method !== 'crembo' || !config.train) return null;
  const { thresholds, loss } = resolveCrembo(config.distill);
  return { thresholds, loss, maxEpochs: runEpochs(config), validation: config.dataset.validation ?? 0 };
}

function defaultResolution(spec: SweepSpec): Pick<ResolvedSweepRuns, 'planned' | 'identities' | 'reused'> {
  const planned = expandSweep(spec);
  return { planned, identities: planIdentities(planned), reused: new Map() };
}
