import { readRunDetail, type Store, storedRunConfig } from '@distillery/db';
import { predictRunSize, type RunKind, type RunState } from '@distillery/spec';
import { NotFoundError } from '../errors/http-errors.ts';
import { isUuid } from '../lib/is-uuid.ts';
import { iso } from '../lib/iso.ts';
import { storedSizeBreakdown } from '../lib/stored-size-breakdown.ts';
import { toEpochMetrics } from '../lib/to-epoch-metrics.ts';
import type { RecordedEpoch } from '../schemas/recorded-epoch.ts';
import type { RunDetail } from '../schemas/run-detail.ts';

/** Everything about one of the team's runs: config, state, timings, learning curve and result. */
export async function getRun(db: Store, teamId: string, runId: string): Promise<RunDetail> {
  if (!isUuid(runId)) throw new NotFoundError('run', runId);
  const run = await readRunDetail(db, teamId, runId);
  if (run === null) throw new NotFoundError('run', runId);
  const metrics: RecordedEpoch[] = run.metrics.map(toEpochMetrics);
  const result = run.result;
  const config = storedRunConfig(run.config);
  return {
    id: run.id,
    sweepId: run.sweepId,
    key: run.key,
    kind: run.kind as RunKind,
    label: run.label,
    parentId: run.parentId,
    groupHash: run.groupHash,
    configHash: run.configHash,
    identity: run.identity,
    config,
    state: run.state as RunState,
    attempt: run.attempt,
    progress: run.progress,
    error: run.error,
    skippedReason: run.skippedReason,
    packKey: run.packKey,
    packedBy: run.packedBy,
    predicted: {
      ...predictRunSize(config),
      parameters: run.predictedParameters,
      bytes: run.predictedBytes,
      bits: run.bits,
    },
    createdAt: iso(run.createdAt),
    queuedAt: iso(run.queuedAt),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    heartbeatAt: iso(run.heartbeatAt),
    metrics,
    latestMetrics: metrics.at(-1) ?? null,
    result:
      result === null
        ? null
        : {
            accuracy: result.accuracy,
            loss: result.loss,
            parameters: result.parameters,
            bytes: result.bytes,
            sizeBreakdown: storedSizeBreakdown(result.sizeBreakdown),
            bits: result.bits,
            backend: result.backend,
            trainPath: result.trainPath,
            seconds: result.seconds,
            splitDigest: result.splitDigest,
            recordedAt: iso(result.createdAt),
          },
  };
}
