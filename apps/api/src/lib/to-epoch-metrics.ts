import type { MetricRow } from '@distillery/db';
import type { RecordedEpoch } from '../schemas/recorded-epoch.ts';
import { iso } from './iso.ts';

/** A stored `metrics` row as the API shows one epoch of a learning curve (run detail and the metrics export). */
export function toEpochMetrics(m: MetricRow): RecordedEpoch {
  return {
    epoch: m.epoch,
    trainLoss: m.trainLoss,
    trainAccuracy: m.trainAccuracy,
    valLoss: m.valLoss,
    valAccuracy: m.valAccuracy,
    learningRate: m.learningRate,
    seconds: m.seconds,
    recordedAt: iso(m.createdAt) as string,
  };
}
