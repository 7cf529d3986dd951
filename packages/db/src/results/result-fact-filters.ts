/** Which of a team's results a read takes (every field narrows; absent fields do not). */
export interface ResultFactFilters {
  dataset?: string[];
  family?: string[];
  method?: string[];
  kind?: string[];
  bits?: number[];
  /** Results at most this large, in bytes. */
  maxBytes?: number;
  minAccuracy?: number;
  /** The replicates of this sweep's runs (its reused runs included). */
  sweep?: string;
  /** Runs distilled from this teacher run's configuration. */
  teacher?: string;
  /** Activation labels (`lma-8`) or names (`lma`). */
  activation?: string[];
  /** Runs of sweeps carrying this tag (their own, or reused by one). */
  tag?: string;
  /** Where the runs' training inputs came from: real, synthetic. */
  dataSource?: string[];
}
