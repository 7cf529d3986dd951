import type { SweepState } from '@distillery/spec';
import type { DbExecutor } from './db-executor.ts';

/**
 * Derives a sweep's state from its runs: `running` while any run is not terminal; then `failed` if any run
 * failed, `cancelled` if any was cancelled, else `succeeded`.
 */
export async function refreshSweepState(db: DbExecutor, sweepId: string): Promise<SweepState> {
  const counts = await db.run.groupBy({ by: ['state'], where: { sweepId }, _count: { _all: true } });
  const n = (state: string) => counts.find((c) => c.state === state)?._count._all ?? 0;
  const open = n('waiting') + n('queued') + n('running');
  const state: SweepState =
    open > 0 ? 'running' : n('failed') > 0 ? 'failed' : n('cancelled') > 0 ? 'cancelled' : 'succeeded';
  await db.sweep.updateMany({
    where: { id: sweepId, NOT: { state } },
    data: { state, finishedAt: state === 'running' ? null : new Date() },
  });
  return state;
}
