import { describeSample, replicateAgreement } from '@distillery/spec';
import type { ResultGroup, ResultRow } from '../schemas/sweep-results.ts';

/**
 * Aggregates replicates: rows sharing a group hash differ only by seed. Groups come in the order of their first
 * row. Accuracy and loss carry n, the sample std (n − 1) and a Student-t 95% CI
 * (describeSample); std and CI are null for a single replicate. Pure.
 */
/** What aggregation reads of a row. */
type AggregatedRow = Omit<ResultRow, 'dimensions'>;

export function aggregateResults(
  rows: readonly AggregatedRow[],
  /** Stored test predictions by run id, for the groups' agreement (a run without them is left out of it). */
  predictions: ReadonlyMap<string, Uint8Array> = new Map(),
): ResultGroup[] {
  const byGroup = new Map<string, AggregatedRow[]>();
  for (const row of rows) {
    const members = byGroup.get(row.group);
    if (members) members.push(row);
    else byGroup.set(row.group, [row]);
  }
  return [...byGroup].map(([group, members]) => {
    const first = members[0] as AggregatedRow;
    return {
      group,
      kind: first.kind,
      label: labelWithoutSeed(first.label),
      n: members.length,
      seeds: members.map((m) => m.seed),
      runIds: members.map((m) => m.runId),
      accuracy: describeSample(members.map((m) => m.accuracy)),
      loss: describeSample(members.map((m) => m.loss)),
      agreement: replicateAgreement(members.map((m) => predictions.get(m.runId))),
      parameters: mean(members.map((m) => m.parameters)),
      bytes: mean(members.map((m) => m.bytes)),
      bits: first.bits,
    };
  });
}

/** Labels read `<grid values> · seed <n>[ · <quantization>]` (packages/spec expandSweep). */
export function labelWithoutSeed(label: string): string {
  return label.replace(/ · seed \d+/, '');
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
