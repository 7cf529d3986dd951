/** Where a run's latest checkpoint is: its files (`location`, `bytes`), the epoch and attempt they are of. */
export interface CheckpointRecord {
  runId: string;
  epoch: number;
  attempt: number;
  location: string;
  bytes: number;
}
