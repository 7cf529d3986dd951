import type { RunConfig } from '../run-config.ts';
import { runWorkload } from './run-work.ts';
import type { ThroughputRate } from './throughput-rate.ts';
import { throughputShape } from './throughput-shape.ts';

/** What one succeeded run measured of its time: the result's seconds and its recorded epochs. */
export interface RunTiming {
  config: RunConfig;
  /** The result's backend. */
  backend: string;
  /** Wall-clock seconds of the whole execution (the result's `seconds`). */
  seconds: number;
  /** The recorded epochs' seconds, summed (each epoch's steps and validation). */
  epochSeconds: number;
  /** Epochs recorded. */
  epochs: number;
  /**
   * Runs trained together with it as one pack, itself included. A packed run's epochs and execution span its
   * pack's interleaved training, so its own share of them is its seconds ÷ this. @defaultValue 1
   */
  packSize?: number;
}

/**
 * Throughput rates per backend × shape from runs' timings: each part's seconds summed over the shape's runs and
 * divided by their rows summed (a row-weighted mean, so a long run counts for what it measured). Runs whose shape
 * or rows are unknown (an imported teacher, a user's data set without `limit.train`), or with epochs missing
 * from their record (a run resumed from a checkpoint recorded the earlier epochs in another attempt), are left out.
 * A packed run counts its share of its pack's time (its seconds ÷ `packSize`): the rates are per run trained,
 * packed or alone.
 */
export function measureThroughput(timings: readonly RunTiming[]): ThroughputRate[] {
  const groups = new Map<
    string,
    { rate: Omit<ThroughputRate, 'epochSecondsPerRow' | 'otherSecondsPerRow' | 'msPerStep' | 'runs'> } & Sums
  >();
  for (const t of timings) {
    const shape = throughputShape(t.config);
    const work = runWorkload(t.config);
    if (!shape || !work || t.epochs !== work.epochs || !(t.seconds > 0)) continue;
    const id = `${t.backend}\u0000${shape.key}`;
    const group = groups.get(id) ?? {
      rate: {
        backend: t.backend,
        shape: shape.key,
        work: shape.work,
        family: shape.family,
        forwardMacs: shape.forwardMacs,
      },
      epochSeconds: 0,
      epochRows: 0,
      otherSeconds: 0,
      readRows: 0,
      steps: 0,
      runs: 0,
      batch: t.config.train?.batchSize ?? null,
    };
    const share = 1 / Math.max(1, t.packSize ?? 1);
    group.epochSeconds += t.epochSeconds * share;
    group.epochRows += work.epochs * work.trainRows;
    group.otherSeconds += Math.max(0, t.seconds - t.epochSeconds) * share;
    group.readRows += work.trainRows + work.validationRows + work.testRows;
    group.steps += group.batch ? work.epochs * Math.ceil(work.trainRows / group.batch) : 0;
    group.runs += 1;
    groups.set(id, group);
  }
  return [...groups.values()].map((g) => ({
    ...g.rate,
    epochSecondsPerRow: g.epochRows > 0 ? g.epochSeconds / g.epochRows : 0,
    otherSecondsPerRow: g.readRows > 0 ? g.otherSeconds / g.readRows : 0,
    msPerStep: g.steps > 0 ? (1000 * g.epochSeconds) / g.steps : null,
    runs: g.runs,
  }));
}

interface Sums {
  epochSeconds: number;
  epochRows: number;
  otherSeconds: number;
  readRows: number;
  steps: number;
  runs: number;
  batch: number | null;
}
