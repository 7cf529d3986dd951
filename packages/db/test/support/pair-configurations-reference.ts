import { type Quantization, quantizationName } from '@distillery/spec';

/**
 * The comparison's pairing as the API did it in JavaScript before the database paired (pairComparisonSidesSql):
 * kept as the reference the statement is held to. Its input is one row per configuration taking A or B.
 */
export interface SideRecord {
  context: string;
  value: string;
  variant: unknown;
  quantize: Quantization | null;
  group: string;
  tkey: string;
  kind: string;
  dataset: string;
  teacherId: string | null;
  seeds: number[];
  runIds: string[];
  accuracies: number[];
  parameters: number;
  bytes: number;
  label: string;
  rep: string;
}

export interface ReferenceSeedPair {
  seed: number;
  aRunId: string;
  bRunId: string;
  a: number;
  b: number;
  difference: number;
}

export interface ReferenceSide {
  group: string;
  quantization: string;
  seeds: number[];
  runIds: string[];
  accuracies: number[];
  bytes: number;
}

export interface ReferencePair {
  a: ReferenceSide;
  b: ReferenceSide;
  /** The two sides' quantizations (their first configurations'), as JSON. */
  stratumKey: string;
  first: SideRecord;
  seedPairs: ReferenceSeedPair[];
  aBytes: number;
}

function quantizationLabel(q: Quantization | null): string {
  return q === null ? 'float' : quantizationName(q);
}

/**
 * Within each context, A-configurations and B-configurations whose variants match (equal, or one side float)
 * pair, each combination once; several configurations of one side and variant are pooled. Within a pair, runs
 * pair on seed, the first run (by id) of each seed on each side. Sorted by the A side's mean size, then its first
 * group, then the B side's (stable: ties keep the input's order).
 */
export function pairConfigurations(
  sides: readonly SideRecord[],
  a: string,
): { pairs: ReferencePair[]; unpaired: { a: number; b: number } } {
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
  const pairs: ReferencePair[] = [];
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
  pairs.sort((x, y) => x.aBytes - y.aBytes || cmp(x.first.group, y.first.group) || cmp(x.b.group, y.b.group));
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

function pairOf(aConfigs: SideRecord[], bConfigs: SideRecord[]): ReferencePair {
  const aReplicates = replicatesOf(aConfigs);
  const bReplicates = replicatesOf(bConfigs);
  const bBySeed = new Map<number, Replicate>();
  for (const r of bReplicates) if (!bBySeed.has(r.seed)) bBySeed.set(r.seed, r);
  const seedPairs: ReferenceSeedPair[] = [];
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
  return {
    a: toSide(aConfigs, aReplicates),
    b: toSide(bConfigs, bReplicates),
    stratumKey: JSON.stringify([first.quantize, bFirst.quantize]),
    first,
    seedPairs,
    aBytes: weightedBytes(aConfigs, aReplicates.length),
  };
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
  return replicates.sort((x, y) => x.seed - y.seed || cmp(x.runId, y.runId));
}

function weightedBytes(configurations: SideRecord[], n: number): number {
  let sum = 0;
  for (const c of configurations) sum += c.bytes * c.seeds.length;
  return sum / n;
}

function toSide(configurations: SideRecord[], replicates: Replicate[]): ReferenceSide {
  const first = configurations[0] as SideRecord;
  return {
    group: first.group,
    quantization: quantizationLabel(first.quantize),
    seeds: replicates.map((r) => r.seed),
    runIds: replicates.map((r) => r.runId),
    accuracies: replicates.map((r) => r.accuracy),
    bytes: weightedBytes(configurations, replicates.length),
  };
}
