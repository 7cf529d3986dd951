import type { ConfigurationRow } from '@distillery/db';
import { describeSample, type ReplicateAgreement } from '@distillery/spec';
import { iso } from '../lib/iso.ts';
import type { FrontierRun } from '../schemas/frontier.ts';
import type { ConfigurationResult } from '../schemas/team-results.ts';
import { labelWithoutSeed } from './aggregate-results.ts';
import { configDimensions } from './config-dimensions.ts';
import { configurationFacts } from './configuration-facts.ts';
import { describeConfig } from './describe-config.ts';

/** A row of configurationsSql: a configuration's numbers, its replicates and its representative's facts. */
export type ConfigurationRecord = ConfigurationRow;

/** The replicates behind a configuration, by seed (then run id). */
export function replicatesOf(
  c: Pick<ConfigurationRecord, 'seeds' | 'runIds' | 'sweepIds' | 'accuracies' | 'sizes'>,
): FrontierRun[] {
  return c.seeds
    .map((seed, i) => ({
      runId: c.runIds[i] as string,
      sweepId: c.sweepIds[i] as string,
      seed,
      accuracy: c.accuracies[i] as number,
      bytes: c.sizes[i] as number,
    }))
    .sort((a, b) => a.seed - b.seed || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
}

/** A configuration as the API answers it, with its replicates' agreement (see replicateAgreements). */
export function toConfigurationResult(
  c: ConfigurationRecord,
  agreement: ReplicateAgreement,
  runs: FrontierRun[] = replicatesOf(c),
): ConfigurationResult {
  return {
    group: c.group,
    label: labelWithoutSeed(c.label),
    ...configurationFacts(c),
    description: describeConfig(c.config),
    dimensions: configDimensions(c.config, c.teacherId, null, c.studentTrain ?? null),
    n: c.n,
    seeds: runs.map((r) => r.seed),
    runIds: runs.map((r) => r.runId),
    sweepIds: [...new Set(runs.map((r) => r.sweepId))].sort(),
    // From the replicates themselves, so n, std and CI describe exactly the runs listed in runIds.
    accuracy: describeSample(runs.map((r) => r.accuracy)),
    loss: describeSample(c.losses),
    agreement,
    parameters: c.parameters,
    bytes: c.bytes,
    latestAt: iso(c.latestAt),
  };
}
