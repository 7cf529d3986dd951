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
    const configs = bucket.get(key);
    if (configs === undefined) bucket.set(key, [side]);
    else configs.push(side);
    byContext.set(side.context, entry);
  }
  const pairs: LazyPair[] = [];
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
  pairs.sort((x, y) => x.aBytes - y.aBytes || cmp(x.first.group, y.first.group) || cmp(x.bGroup, y.bGroup));
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

function pairOf(aConfigs: SideRecord[], bConfigs: SideRecord[]): LazyPair {
  const aReplicates = replicatesOf(aConfigs);
  const bReplicates = replicatesOf(bConfigs);
  const bBySeed = new Map<number, Replicate>();
  for (const r of bReplicates) if (!bBySeed.has(r.seed)) bBySeed.set(r.seed, r);
  const seedPairs: SeedPair[] = [];
  const used = new Set<number>();
  for (const r of aReplicates) {
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
  return new LazyPair(
    aConfigs,
    aReplicates,
    bConfigs,
    bReplicates,
    JSON.stringify([first.quantize, bFirst.quantize]),
    seedPairs,
  );
}

/**
 * A pair whose sides (statistics, labels) are worked out when first read: a comparison tests every pair but
 * lists only the first (DEFAULT_COMPARE_PAIRS), and describing the others' sides was most of its time. The
 * A side's mean size, which orders the pairs, is computed at once.
 */
class LazyPair implements ConfigurationPair {
  readonly first: SideRecord;
  readonly stratumKey: string;
  readonly seedPairs: SeedPair[];
  /** The A side's mean size over its replicates, as ComparisonSide.bytes. */
  readonly aBytes: number;
  readonly #aConfigs: SideRecord[];
  readonly #aReplicates: Replicate[];
  readonly #bConfigs: SideRecord[];
  readonly #bReplicates: Replicate[];
  #a: ComparisonSide | undefined;
  #b: ComparisonSide | undefined;

  constructor(
    aConfigs: SideRecord[],
    aReplicates: Replicate[],
    bConfigs: SideRecord[],
    bReplicates: Replicate[],
    stratumKey: string,
    seedPairs: SeedPair[],
  ) {
    this.#aConfigs = aConfigs;
    this.#aReplicates = aReplicates;
    this.#bConfigs = bConfigs;
    this.#bReplicates = bReplicates;
    this.first = aConfigs[0] as SideRecord;
    this.stratumKey = stratumKey;
    this.seedPairs = seedPairs;
    this.aBytes = weightedBytes(aConfigs, aReplicates.length);
  }

  get a(): ComparisonSide {
    this.#a ??= toSide(this.#aConfigs, this.#aReplicates);
    return this.#a;
  }

  get b(): ComparisonSide {
    this.#b ??= toSide(this.#bConfigs, this.#bReplicates);
    return this.#b;
  }

  /** The B side's group (its first configuration's), as ComparisonSide.group. */
  get bGroup(): string {
    return (this.#bConfigs[0] as SideRecord).group;
  }
}

/** A side's configurations' replicates by seed (then run id). */
function replicatesOf(configurations: SideRecord[]): Replicate[] {
  const replicates: Replicate[] = [];
  for (const c of configurations) {
    for (let i = 0; i < c.seeds.length; i++) {
      replicates.push({
        seed: c.seeds[i] as number,
        runId: c.runIds[i] as string,
        accuracy: c.accuracies[i] as number,
      });
    }
  }
  return replicates.sort(byReplicate);
}

function byReplicate(x: Replicate, y: Replicate): number {
  return x.seed - y.seed || cmp(x.runId, y.runId);
}

function weightedBytes(configurations: SideRecord[], n: number): number {
  let sum = 0;
  for (const c of configurations) sum += c.bytes * c.seeds.length;
  return sum / n;
}

/** One side: its configurations' replicates with their statistics. */
function toSide(configurations: SideRecord[], replicates: Replicate[]): ComparisonSide {
  const first = configurations[0] as SideRecord;
  const n = replicates.length;
  const weighted = (pick: (c: SideRecord) => number) =>
    configurations.reduce((sum, c) => sum + pick(c) * c.seeds.length, 0) / n;
  return {
    group: first.group,
    label: labelWithoutSeed(first.label),
    quantization: quantizationLabel(first.quantize),
    n,
    seeds: replicates.map((r) => r.seed),
    runIds: replicates.map((r) => r.runId),
    accuracy: describeSample(replicates.map((r) => r.accuracy)),
    parameters: weighted((c) => c.parameters),
    bytes: weighted((c) => c.bytes),
  };
}
