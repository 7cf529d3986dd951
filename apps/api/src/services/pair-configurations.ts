import type { ComparisonSideRow } from '@distillery/db';
import { describeSample, type Quantization, quantizationName } from '@distillery/spec';
import type { ComparisonSide, SeedPair } from '../schemas/comparison.ts';
import { labelWithoutSeed } from './aggregate-results.ts';

/** One configuration taking value A or B, with what it shares with its partners (compareConfigurations). */
export type SideRecord = ComparisonSideRow;

/** A and B at one context and one quantization: the configurations pooled per side, their runs paired on seed. */
export interface ConfigurationPair {
  a: ComparisonSide;
  b: ComparisonSide;
  /** Identifies the stratum: the two sides' quantizations. */
  stratumKey: string;
  /** The a-side configuration that describes the pair. */
  first: SideRecord;
  seedPairs: SeedPair[];
}

export interface PairedConfigurations {
  pairs: ConfigurationPair[];
  unpaired: { a: number; b: number };
}

/** `float`, `ptq 4-bit`; `details` adds what else distinguishes quantizations of one method and width. */
export function quantizationLabel(q: Quantization | null, details = false): string {
  if (q === null) return 'float';
  const base = quantizationName(q);
  if (!details) return base;
  return q.method === 'pq'
    ? `${base} (keepFloat ${q.keepFloat})`
    : `${base} (keepFloat ${q.keepFloat}, bucket ${q.bucketSize})`;
}

/**
 * Forms configuration pairs within each context: A-configurations and B-configurations whose variants match
 * (equal, or one side float) pair, each combination once; several configurations of one side and variant (equal
 * values spelled differently in stored configs, `relu` and `{ name: relu }`) are pooled. Within a pair, runs pair
 * on seed, the first run (by id) of each seed on each side, so no run is used twice in a pair — and since a
 * configuration has one context and one quantization, no run is used twice within a stratum either.
 */
export function pairConfigurations(sides: readonly SideRecord[], a: string): PairedConfigurations {
  const byContext = new Map<string, { a: Map<string, SideRecord[]>; b: Map<string, SideRecord[]> }>();
  for (const side of sides) {
    const entry = byContext.get(side.context) ?? { a: new Map(), b: new Map() };
    const bucket = entry[side.value === a ? 'a' : 'b'];
    const key = JSON.stringify(side.variant ?? null);
    bucket.set(key, [...(bucket.get(key) ?? []), side]);
    byContext.set(side.context, entry);
  }
  const pairs: ConfigurationPair[] = [];
  const unpaired = { a: 0, b: 0 };
  const compatible = (va: string, vb: string) => va === vb || va === 'null' || vb === 'null';
  for (const entry of byContext.values()) {
    const partnered = new Set<string>();
    for (const [va, aConfigs] of entry.a) {
      let found = false;
      for (const [vb, bConfigs] of entry.b) {
        if (!compatible(va, vb)) continue;
        found = true;
        partnered.add(vb);
        pairs.push(pairOf(aConfigs, bConfigs));
      }
      if (!found) unpaired.a += aConfigs.length;
    }
    for (const [vb, bConfigs] of entry.b) if (!partnered.has(vb)) unpaired.b += bConfigs.length;
  }
  pairs.sort((x, y) => x.a.bytes - y.a.bytes || cmp(x.a.group, y.a.group) || cmp(x.b.group, y.b.group));
  return { pairs, unpaired };
}

function cmp(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

interface Replicate {
  seed: number;
  runId: string;
  accuracy: number;
}

function pairOf(aConfigs: SideRecord[], bConfigs: SideRecord[]): ConfigurationPair {
  const a = toSide(aConfigs);
  const b = toSide(bConfigs);
  const bBySeed = new Map<number, Replicate>();
  for (const r of b.replicates) if (!bBySeed.has(r.seed)) bBySeed.set(r.seed, r);
  const seedPairs: SeedPair[] = [];
  const used = new Set<number>();
  for (const r of a.replicates) {
    const other = bBySeed.get(r.seed);
    if (other === undefined || used.has(r.seed)) continue;
    used.add(r.seed);
    seedPairs.push({
      seed: r.seed,
      aRunId: r.runId,
      bRunId: other.runId,
      a: r.accuracy,
      b: other.accuracy,
      difference: other.accuracy - r.accuracy,
    });
  }
  const first = aConfigs[0] as SideRecord;
  const bFirst = bConfigs[0] as SideRecord;
  return {
    a: a.side,
    b: b.side,
    stratumKey: JSON.stringify([first.quantize, bFirst.quantize]),
    first,
    seedPairs,
  };
}

/** One side: its configurations' replicates by seed (then run id), with their statistics. */
function toSide(configurations: SideRecord[]): { side: ComparisonSide; replicates: Replicate[] } {
  const first = configurations[0] as SideRecord;
  const replicates = configurations
    .flatMap((c) =>
      c.seeds.map((seed, i) => ({ seed, runId: c.runIds[i] as string, accuracy: c.accuracies[i] as number })),
    )
    .sort((x, y) => x.seed - y.seed || cmp(x.runId, y.runId));
  const n = replicates.length;
  const weighted = (pick: (c: SideRecord) => number) =>
    configurations.reduce((sum, c) => sum + pick(c) * c.seeds.length, 0) / n;
  return {
    side: {
      group: first.group,
      label: labelWithoutSeed(first.label),
      quantization: quantizationLabel(first.quantize),
      n,
      seeds: replicates.map((r) => r.seed),
      runIds: replicates.map((r) => r.runId),
      accuracy: describeSample(replicates.map((r) => r.accuracy)),
      parameters: weighted((c) => c.parameters),
      bytes: weighted((c) => c.bytes),
    },
    replicates,
  };
}
