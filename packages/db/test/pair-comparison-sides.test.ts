import { quantizationName } from '@distillery/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prisma } from '../src/generated/client.ts';
import type { ComparedConfigurations } from '../src/results/compare-configurations.ts';
import { fragmentRows } from '../src/results/fragment-rows.ts';
import { pairComparisonSidesSql } from '../src/results/pair-comparison-sides-sql.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import {
  pairConfigurations,
  type ReferencePair,
  type ReferenceSeedPair,
  type SideRecord,
} from './support/pair-configurations-reference.ts';

// The database pairs a comparison's configurations (pairComparisonSidesSql) where the API paired them in
// JavaScript; these sides are handed to the statement as its `sides` relation, and its answer is held to the
// JavaScript pairing it replaced (support/pair-configurations-reference.ts).

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await db?.drop();
});

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** The statement run over `sides` (every pair listed). */
async function pairedInDatabase(sides: readonly SideRecord[], a: string): Promise<ComparedConfigurations> {
  const [answer] = await fragmentRows<ComparedConfigurations>(
    db.store,
    // The statement takes each configuration's replicates in run id order, as the store keeps them.
    Prisma.sql`WITH given AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(sides)}::jsonb) AS x(context text, value text,
          variant jsonb, quantize jsonb, "group" text, tkey text, kind text, dataset text, "teacherId" text,
          parameters float8, bytes float8, label text, rep text, seeds int[], "runIds" uuid[], accuracies float8[])
      ),
      sides AS (
        SELECT g.context, g.value, g.variant, g.quantize, g."group", g.tkey, g.kind, g.dataset, g."teacherId",
          g.parameters, g.bytes, g.label, g.rep, r.seeds, r."runIds", r.accuracies
        FROM given g CROSS JOIN LATERAL (
          SELECT array_agg(u.seed ORDER BY u.run_id) AS seeds, array_agg(u.run_id ORDER BY u.run_id) AS "runIds",
            array_agg(u.accuracy ORDER BY u.run_id) AS accuracies
          FROM unnest(g.seeds, g."runIds", g.accuracies) AS u(seed, run_id, accuracy)
        ) r
      ),
      v AS (SELECT s.value FROM sides s)${pairComparisonSidesSql(
        a,
        1_000_000,
        Prisma.sql`SELECT s."group", s.tkey, s.kind, s.dataset, s."teacherId", s.rep, s.label FROM sides s`,
      )}`,
  );
  if (answer === undefined) throw new Error('no answer');
  return {
    strata: answer.strata ?? [],
    pairs: answer.pairs ?? [],
    unpaired: answer.unpaired,
    values: answer.values ?? [],
  };
}

/** The statement's answer in the reference's shape: pairs with their sides, stratum keys and seed pairs. */
async function pairInDatabase(
  sides: readonly SideRecord[],
  a: string,
): Promise<{ pairs: ReferencePair[]; unpaired: { a: number; b: number } }> {
  const answer = await pairedInDatabase(sides, a);
  const label = (q: SideRecord['quantize']) => (q === null ? 'float' : quantizationName(q));
  const pairs = answer.pairs.map((p): ReferencePair => {
    const stratum = answer.strata[p.stratum];
    const first = sides.find((s) => s.group === p.a.group) as SideRecord;
    return {
      a: { ...pick(p.a), quantization: label(p.a.quantize) },
      b: { ...pick(p.b), quantization: label(p.b.quantize) },
      stratumKey: JSON.stringify([stratum?.a ?? null, stratum?.b ?? null]),
      first,
      seedPairs: p.seedPairs.map((s): ReferenceSeedPair => ({ ...s, difference: s.b - s.a })),
      aBytes: p.a.bytes,
    };
  });
  return { pairs, unpaired: answer.unpaired };
}

function pick(side: ComparedConfigurations['pairs'][number]['a']) {
  return {
    group: side.group,
    seeds: side.seeds,
    runIds: side.runIds,
    accuracies: side.accuracies,
    bytes: side.bytes,
  };
}

function side(overrides: Partial<SideRecord> & Pick<SideRecord, 'value' | 'seeds' | 'accuracies'>): SideRecord {
  return {
    context: '1',
    variant: null,
    quantize: null,
    group: `g-${overrides.value}`,
    tkey: 't',
    kind: 'student',
    dataset: 'mnist',
    teacherId: null,
    runIds: overrides.seeds.map((_, i) => id(i + (overrides.value === 'relu' ? 100 : 200))),
    parameters: 100,
    bytes: 400,
    label: `activation=${overrides.value} · seed 1`,
    rep: id(1),
    ...overrides,
  };
}

describe('pairComparisonSidesSql', () => {
  it('pairs runs on seed and uses a replicate of a repeated seed once', async () => {
    const { pairs } = await pairInDatabase(
      [
        side({ value: 'relu', seeds: [1, 2, 2], accuracies: [0.8, 0.7, 0.7] }),
        side({ value: 'lma-8', seeds: [2, 1, 3], accuracies: [0.75, 0.82, 0.9] }),
      ],
      'relu',
    );
    expect(pairs).toHaveLength(1);
    const seedPairs = pairs[0]?.seedPairs ?? [];
    expect(seedPairs.map((p) => [p.seed, p.difference])).toEqual([
      [1, expect.closeTo(0.02, 12)],
      [2, expect.closeTo(0.05, 12)],
    ]);
    const runs = seedPairs.flatMap((p) => [p.aRunId, p.bRunId]);
    expect(new Set(runs).size).toBe(runs.length);
  });

  it('pairs a float configuration with each of its quantized variants, each in its own stratum', async () => {
    const ptq = { method: 'ptq', bits: 4, bucketSize: 256, keepFloat: 'first-last' } as const;
    const qat = { ...ptq, method: 'qat' } as const;
    const { pairs, unpaired } = await pairInDatabase(
      [
        side({ value: '32', seeds: [1], accuracies: [0.8] }),
        side({ value: '4', group: 'p', seeds: [1], accuracies: [0.7], quantize: ptq, variant: { method: 'ptq' } }),
        side({ value: '4', group: 'q', seeds: [1], accuracies: [0.75], quantize: qat, variant: { method: 'qat' } }),
      ],
      '32',
    );
    expect(pairs.map((p) => [p.a.quantization, p.b.quantization])).toEqual([
      ['float', 'ptq 4-bit'],
      ['float', 'qat 4-bit'],
    ]);
    expect(new Set(pairs.map((p) => p.stratumKey)).size).toBe(2);
    expect(unpaired).toEqual({ a: 0, b: 0 });
  });

  it('does not pair two quantized variants that differ in more than the compared field', async () => {
    const ptq4 = { method: 'ptq', bits: 4, bucketSize: 256, keepFloat: 'first-last' } as const;
    const qat8 = { ...ptq4, method: 'qat', bits: 8 } as const;
    const { pairs, unpaired } = await pairInDatabase(
      [
        side({ value: '4', seeds: [1], accuracies: [0.7], quantize: ptq4, variant: { method: 'ptq' } }),
        side({ value: '8', seeds: [1], accuracies: [0.8], quantize: qat8, variant: { method: 'qat' } }),
      ],
      '4',
    );
    expect(pairs).toEqual([]);
    expect(unpaired).toEqual({ a: 1, b: 1 });
  });

  it('counts configurations without a partner in their context as unpaired', async () => {
    const { pairs, unpaired } = await pairInDatabase(
      [
        side({ value: 'relu', seeds: [1], accuracies: [0.8] }),
        side({ value: 'lma-8', context: '2', seeds: [1], accuracies: [0.8] }),
      ],
      'relu',
    );
    expect(pairs).toEqual([]);
    expect(unpaired).toEqual({ a: 1, b: 1 });
  });

  it('gives the pairs, seed pairs, strata and unpaired counts of the JavaScript pairing it replaced, on seeded fixtures', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const sides = randomSides(seed);
      const reference = pairConfigurations(sides, 'a');
      const answer = await pairedInDatabase(sides, 'a');
      const pairs = (await pairInDatabase(sides, 'a')).pairs;
      expect(reference.pairs.length).toBeGreaterThan(20);
      expect(answer.unpaired).toEqual(reference.unpaired);
      const shape = (p: ReferencePair) => ({
        a: p.a,
        b: p.b,
        stratum: JSON.parse(p.stratumKey),
        seedPairs: p.seedPairs,
      });
      expect(pairs.map(shape)).toEqual(reference.pairs.map(shape));
      // Strata in the order of their first pairs, each with every seed pair's difference in pair and seed order.
      const strata = new Map<string, { a: unknown; b: unknown; configurations: number; differences: number[] }>();
      for (const p of reference.pairs) {
        const [qa, qb] = JSON.parse(p.stratumKey) as [unknown, unknown];
        const key = JSON.stringify([canonical(qa), canonical(qb)]);
        const stratum = strata.get(key) ?? { a: qa, b: qb, configurations: 0, differences: [] };
        stratum.configurations++;
        stratum.differences.push(...p.seedPairs.map((s) => s.difference));
        strata.set(key, stratum);
      }
      expect(answer.strata).toEqual([...strata.values()]);
    }
  });

  it('does not pair replicates whose seeds differ: the pair stands, with no seed pair and nothing to test', async () => {
    const answer = await pairedInDatabase(
      [
        side({ value: 'relu', seeds: [1, 2], accuracies: [0.8, 0.7] }),
        side({ value: 'lma-8', seeds: [3, 4], accuracies: [0.75, 0.82] }),
      ],
      'relu',
    );
    expect(answer.pairs.map((p) => p.seedPairs)).toEqual([[]]);
    expect(answer.strata.map((s) => [s.configurations, s.differences])).toEqual([[1, []]]);
  });

  it('counts a seed trained twice on a side once among the seed pairs, and each of its runs among the side’s replicates', async () => {
    const answer = await pairedInDatabase(
      [
        side({ value: 'relu', seeds: [1, 1, 2], accuracies: [0.8, 0.6, 0.7] }),
        side({ value: 'lma-8', seeds: [2, 1, 2], accuracies: [0.75, 0.82, 0.9] }),
      ],
      'relu',
    );
    const [pair] = answer.pairs;
    expect(pair?.seedPairs.map((p) => p.seed)).toEqual([1, 2]);
    // Of each seed, the replicate with the smallest run id.
    expect(pair?.seedPairs.map((p) => [p.aRunId, p.bRunId])).toEqual([
      [id(100), id(201)],
      [id(102), id(200)],
    ]);
    expect([pair?.a.seeds, pair?.b.seeds]).toEqual([
      [1, 1, 2],
      [1, 2, 2],
    ]);
    expect(answer.strata[0]?.differences).toHaveLength(2);
  });

  it('pools configurations of one side and variant in a context, described by the smallest group', async () => {
    const answer = await pairedInDatabase(
      [
        side({ value: 'relu', group: 'g2', seeds: [1], accuracies: [0.8], runIds: [id(3)], bytes: 100 }),
        side({ value: 'relu', group: 'g1', seeds: [2], accuracies: [0.7], runIds: [id(4)], bytes: 400 }),
        side({ value: 'lma-8', seeds: [1, 2], accuracies: [0.75, 0.82] }),
      ],
      'relu',
    );
    expect(answer.pairs.map((p) => [p.a.group, p.a.seeds, p.a.bytes, p.seedPairs.length])).toEqual([
      ['g1', [1, 2], 250, 2],
    ]);
    expect(answer.unpaired).toEqual({ a: 0, b: 0 });
  });
});

/** A JSON value with its object keys sorted, as jsonb keeps them. */
function canonical(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
  );
}

/**
 * Configurations of a seeded comparison of A with B along the bits: contexts with float, PTQ and QAT variants,
 * missing and repeated seeds, configurations without a partner, pools of two, equal sizes. Given in group order,
 * so the reference's first configuration of a pool is the statement's (the smallest group).
 */
function randomSides(seed: number): SideRecord[] {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const variants = [
    { variant: null, quantize: null },
    { variant: { method: 'ptq', bucketSize: 256, keepFloat: 'first-last' } },
    { variant: { method: 'qat', bucketSize: 256, keepFloat: 'first-last' } },
  ] as const;
  const sides: SideRecord[] = [];
  let run = 0;
  for (let context = 0; context < 30; context++) {
    const configurations = 1 + Math.floor(random() * 5);
    for (let c = 0; c < configurations; c++) {
      const value = random() < 0.5 ? 'a' : 'b';
      const v = variants[Math.floor(random() * variants.length)] ?? variants[0];
      const bits = value === 'a' ? 4 : 8;
      const quantize =
        v.variant === null ? null : ({ ...v.variant, bits } as unknown as NonNullable<SideRecord['quantize']>);
      const seeds = [1, 2, 3, 4].filter(() => random() < 0.7);
      if (random() < 0.2) seeds.push(seeds[0] ?? 1);
      if (seeds.length === 0) seeds.push(1);
      sides.push({
        context: `c${context}`,
        value,
        variant: v.variant,
        quantize,
        group: `g${String(Math.floor(random() * 1e6)).padStart(6, '0')}-${context}-${c}`,
        tkey: `t${context % 3}`,
        kind: quantize === null ? 'student' : `quantize-${quantize.method}`,
        dataset: 'mnist',
        teacherId: null,
        seeds,
        runIds: seeds.map(() => id(1000 + Math.floor(random() * 1e6) * 100 + run++)),
        accuracies: seeds.map(() => 0.5 + Math.floor(random() * 1000) / 1000),
        parameters: 1000,
        bytes: [100, 200, 300][Math.floor(random() * 3)] as number,
        label: `run ${run}`,
        rep: id(run),
      });
    }
  }
  return sides.sort((x, y) => (x.group < y.group ? -1 : x.group > y.group ? 1 : 0));
}
