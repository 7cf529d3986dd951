/** A sweep's own columns, as the sweep reads give them (the state as stored: a SweepState written by this code). */
export interface SweepRow {
  id: string;
  name: string;
  tags: string[];
  state: string;
  specHash: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}
