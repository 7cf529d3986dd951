import type { RunConfig } from '@distillery/spec';

/** A row of configurationsSql: a configuration's numbers, its replicates and its representative's facts. */
export interface ConfigurationRow {
  ord: number;
  group: string;
  teacherId: string | null;
  dataset: string;
  n: number;
  accuracyMean: number;
  accuracyStd: number | null;
  lossMean: number;
  lossStd: number | null;
  parameters: number;
  bytes: number;
  latestAt: Date;
  seeds: number[];
  runIds: string[];
  sweepIds: string[];
  accuracies: number[];
  losses: number[];
  sizes: number[];
  kind: string;
  family: string;
  activation: string;
  method: string;
  bits: number;
  label: string;
  config: RunConfig;
  /** The representative's student's training when it is a PTQ variant (null otherwise). */
  studentTrain?: RunConfig['train'];
}
