import type { MeanStd, ResultGroup, ResultRow } from '../schemas/sweep-results.ts';

/**
 * Aggregates replicates: rows sharing a group hash differ only by seed. Groups come in the order of their first
 * row. Standard deviations are sample ones (n − 1), null for a single replicate. Pure.
 */
export function aggregateResults(rows: readonly ResultRow[]): ResultGroup[] {
  const byGroup = new Map<string, ResultRow[]>();
  for (const row of rows) {
    const members = byGroup.get(row.group);
    if (members) members.push(row);
    else byGroup.set(row.group, [row]);
  }
  return [...byGroup].map(([group, members]) => {
    const first = members[0] as ResultRow;
    return {
      group,
      kind: first.kind,
      label: labelWithoutSeed(first.label),
      n: members.length,
      seeds: members.map((m) => m.seed),
      accuracy: meanStd(members.map((m) => m.accuracy)),
      loss: meanStd(members.map((m) => m.loss)),
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

export function meanStd(values: readonly number[]): MeanStd {
  const m = mean(values);
  if (values.length < 2) return { mean: m, std: null };
  const variance = values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1);
  return { mean: m, std: Math.sqrt(variance) };
}
