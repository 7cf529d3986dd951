import { listSweepRunRows, type Store, type SweepRunRow, storedRunConfig, teamSweepExists } from '@distillery/db';
import { predictRunSize, type RunKind, type RunState } from '@distillery/spec';
import { NotFoundError } from '../errors/http-errors.ts';
import { compareRunKeys } from '../lib/compare-run-keys.ts';
import { isUuid } from '../lib/is-uuid.ts';
import { storedSizeBreakdown } from '../lib/stored-size-breakdown.ts';
import type { RunList, RunSummary } from '../schemas/run-summary.ts';

/**
 * Every run of one of the team's sweeps, in expansion order (parents first): its own and those it reuses from
 * earlier sweeps (under this sweep's keys, with where they come from).
 */
export async function listSweepRuns(db: Store, teamId: string, sweepId: string): Promise<RunList> {
  if (!isUuid(sweepId)) throw new NotFoundError('sweep', sweepId);
  if (!(await teamSweepExists(db, teamId, sweepId))) throw new NotFoundError('sweep', sweepId);
  const { own, reused } = await listSweepRunRows(db, sweepId);
  const view = (r: SweepRunRow, key: string, reusedFrom: RunSummary['reusedFrom']): RunSummary => ({
    id: r.id,
    key,
    kind: r.kind as RunKind,
    label: r.label,
    parentId: r.parentId,
    state: r.state as RunState,
    attempt: r.attempt,
    progress: r.progress,
    predicted: {
      ...predictRunSize(storedRunConfig(r.config)),
      parameters: r.predictedParameters,
      bytes: r.predictedBytes,
      bits: r.bits,
    },
    result: r.result && { ...r.result, sizeBreakdown: storedSizeBreakdown(r.result.sizeBreakdown) },
    error: r.error,
    skippedReason: r.skippedReason,
    reusedFrom,
  });
  const items = [
    ...own.map((r) => view(r, r.key, null)),
    ...reused.map((l) => view(l.run, l.key, { sweepId: l.run.sweepId, runId: l.run.id, key: l.run.key })),
  ];
  items.sort((a, b) => compareRunKeys(a.key, b.key));
  return { items };
}
