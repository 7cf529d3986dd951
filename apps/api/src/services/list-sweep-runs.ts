import type { PrismaClient } from '@distillery/db';
import { predictRunSize, type RunConfig, type RunKind, type RunState } from '@distillery/spec';
import { NotFoundError } from '../errors/http-errors.ts';
import { compareRunKeys } from '../lib/compare-run-keys.ts';
import { isUuid } from '../lib/is-uuid.ts';
import { storedSizeBreakdown } from '../lib/stored-size-breakdown.ts';
import type { RunList } from '../schemas/run-summary.ts';

/** Every run of one of the team's sweeps, in expansion order (parents first). */
export async function listSweepRuns(db: PrismaClient, teamId: string, sweepId: string): Promise<RunList> {
  if (!isUuid(sweepId)) throw new NotFoundError('sweep', sweepId);
  const sweep = await db.sweep.findFirst({ where: { id: sweepId, teamId }, select: { id: true } });
  if (sweep === null) throw new NotFoundError('sweep', sweepId);
  const runs = await db.run.findMany({
    where: { sweepId },
    select: {
      id: true,
      key: true,
      kind: true,
      label: true,
      config: true,
      parentId: true,
      state: true,
      attempt: true,
      progress: true,
      predictedParameters: true,
      predictedBytes: true,
      bits: true,
      error: true,
      skippedReason: true,
      result: {
        select: { accuracy: true, loss: true, parameters: true, bytes: true, bits: true, sizeBreakdown: true },
      },
    },
  });
  runs.sort((a, b) => compareRunKeys(a.key, b.key));
  return {
    items: runs.map((r) => ({
      id: r.id,
      key: r.key,
      kind: r.kind as RunKind,
      label: r.label,
      parentId: r.parentId,
      state: r.state as RunState,
      attempt: r.attempt,
      progress: r.progress,
      predicted: {
        ...predictRunSize(r.config as unknown as RunConfig),
        parameters: r.predictedParameters,
        bytes: r.predictedBytes,
        bits: r.bits,
      },
      result: r.result && { ...r.result, sizeBreakdown: storedSizeBreakdown(r.result.sizeBreakdown) },
      error: r.error,
      skippedReason: r.skippedReason,
    })),
  };
}
