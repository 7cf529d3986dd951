import { z } from 'zod';
import type { RunConfig } from '../run-config.ts';
import type { RunOverhead } from './measure-run-overhead.ts';
import { runWorkload } from './run-work.ts';
import { RateSource, type ThroughputRate } from './throughput-rate.ts';
import { type ThroughputShape, throughputShape } from './throughput-shape.ts';

/** The rates an estimate may use: this store's measurements first, then the shipped calibration. */
export interface ThroughputRates {
  /** Measured by this store's runs (measureThroughput over its results). @defaultValue [] */
  measured: readonly ThroughputRate[];
  /** Shipped with Distillery (THROUGHPUT_CALIBRATION). */
  calibration: readonly ThroughputRate[];
  /**
   * The per-run work a sweep's estimate adds to its runs' (estimateSweepTime): this store's measurement, else the
   * calibration's (RUN_OVERHEAD_CALIBRATION). @defaultValue null (none added)
   */
  overhead?: RunOverhead | null;
}

/** A run's estimated wall-clock time: an estimate, never a measurement, with where its rate came from. */
export const RunTimeEstimate = z
  .strictObject({
    seconds: z.number().min(0).describe("Estimated seconds of the run's execution on one executor."),
    source: RateSource.describe(
      'Where the rate came from: measured (this store ran the shape), calibration (shipped with Distillery), ' +
        'extrapolated (the nearest measured or calibrated shape, scaled by forward multiply-accumulates).',
    ),
    backend: z.string().describe('The backend whose rate it used.'),
    shape: z.string().describe("The run's throughput shape (`kd mlp 784-16-16-10 lma-8 bn b64`)."),
    basis: z.string().describe("The shape whose rate it used: the run's own, or the one it was extrapolated from."),
    runs: z.int().min(1).describe('Results behind the rate.'),
    msPerStep: z
      .number()
      .min(0)
      .nullable()
      .describe('Milliseconds per training step of the rate (scaled when extrapolated); null: the run does not train.'),
  })
  .meta({ id: 'RunTimeEstimate' });
export type RunTimeEstimate = z.infer<typeof RunTimeEstimate>;

/**
 * Estimates how long a run takes: epochs × training rows × the shape's epoch seconds per row, plus the rows it
 * reads × its other seconds per row. The rate is the run's shape measured by this store (of several backends, the
 * one measured by most runs), else the calibration's; a shape neither has is extrapolated from the measured or
 * calibrated shape of the same work and family nearest in forward multiply-accumulates (log distance; measured
 * before calibration), its epoch part scaled by the ratio of the two. Null where nothing applies: an imported
 * teacher, rows unknown before the files are read, a work and family nothing was measured for.
 */
export function estimateRunTime(config: RunConfig, rates: ThroughputRates): RunTimeEstimate | null {
  const shape = throughputShape(config);
  const work = runWorkload(config);
  if (!shape || !work) return null;
  const found = findRate(shape, rates);
  if (!found) return null;
  const { rate, source, scale } = found;
  const seconds =
    work.epochs * work.trainRows * rate.epochSecondsPerRow * scale +
    (work.trainRows + work.validationRows + work.testRows) * rate.otherSecondsPerRow;
  return {
    seconds,
    source,
    backend: rate.backend,
    shape: shape.key,
    basis: rate.shape,
    runs: rate.runs,
    msPerStep: rate.msPerStep === null || work.epochs === 0 ? null : rate.msPerStep * scale,
  };
}

function findRate(
  shape: ThroughputShape,
  rates: ThroughputRates,
): { rate: ThroughputRate; source: RateSource; scale: number } | null {
  const measured = mostMeasured(rates.measured.filter((r) => r.shape === shape.key));
  if (measured) return { rate: measured, source: 'measured', scale: 1 };
  const calibrated = mostMeasured(rates.calibration.filter((r) => r.shape === shape.key));
  if (calibrated) return { rate: calibrated, source: 'calibration', scale: 1 };
  let best: { rate: ThroughputRate; distance: number } | null = null;
  for (const rate of [...rates.measured, ...rates.calibration]) {
    if (rate.work !== shape.work || rate.family !== shape.family || rate.forwardMacs <= 0) continue;
    const distance = Math.abs(Math.log(shape.forwardMacs / rate.forwardMacs));
    if (!best || distance < best.distance) best = { rate, distance };
  }
  return best && { rate: best.rate, source: 'extrapolated', scale: shape.forwardMacs / best.rate.forwardMacs };
}

function mostMeasured(rates: readonly ThroughputRate[]): ThroughputRate | undefined {
  return rates.reduce<ThroughputRate | undefined>((a, r) => (a && a.runs >= r.runs ? a : r), undefined);
}
