/** A run a transition moved: what its event and its job need. */
export interface MovedRun {
  id: string;
  sweepId: string;
  attempt: number;
}
