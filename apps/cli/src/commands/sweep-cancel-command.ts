import { withClient } from '../client/connect.ts';
import { resolveSweepId } from '../client/resolve-sweep.ts';

/** What `POST /v1/sweeps/:id/cancel` answers (apps/api schemas/cancel-result.ts). */
interface SweepCancelResult {
  id: string;
  state: string;
  cancelledRunIds: string[];
}

/** Cancels a sweep: running runs stop, queued and waiting ones are dropped (idempotent). */
export async function sweepCancelCommand(ref: string): Promise<void> {
  const result = await withClient(async (api) =>
    api.request<SweepCancelResult>('POST', `/v1/sweeps/${await resolveSweepId(api, ref)}/cancel`),
  );
  console.log(`sweep ${result.id} ${result.state}: ${result.cancelledRunIds.length} runs cancelled by this request`);
}
