import { connect } from '../client/connect.ts';

/** What `POST /v1/sweeps/:id/cancel` answers (apps/api schemas/cancel-result.ts). */
interface SweepCancelResult {
  id: string;
  state: string;
  cancelledRunIds: string[];
}

/** Cancels a sweep: running runs stop, queued and waiting ones are dropped (idempotent). */
export async function sweepCancelCommand(id: string): Promise<void> {
  const result = await connect().request<SweepCancelResult>('POST', `/v1/sweeps/${encodeURIComponent(id)}/cancel`);
  console.log(`sweep ${result.id} ${result.state}: ${result.cancelledRunIds.length} runs cancelled by this request`);
}
