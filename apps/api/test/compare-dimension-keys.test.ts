import { countStaleComparisonPools } from '@distillery/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Comparison } from '../src/schemas/comparison.ts';
import { buildTestApi, quickstart, submitSweep, type TestApi } from './helper.ts';
import { storeResults, syntheticAccuracy } from './support-results.ts';

// Along a named dimension `/v1/compare` reads what it pairs on as the database keeps it while results land: the
// pools (comparison_pools) for all of a team's configurations, the configurations' keys
// (configuration_dimension_keys) with filters that take whole configurations. With a filter that keeps replicates
// one by one (`minAccuracy=0` keeps them all) it computes the same from every configuration's representative
// config, as it always did. The answers must be the same comparison, on a store seeded through the API and the
// triggers, and again after results are changed, deleted and stored anew.

let api: TestApi;

const QUERIES = [
  'dimension=activation&a=relu&b=lma-8',
  'dimension=activation&a=relu&b=lma-8&kind=student',
  'dimension=hidden&a=[16]&b=[32]',
  'dimension=temperature&a=2&b=4',
  'dimension=epochs&a=1&b=2',
  'dimension=lr&a=0.001&b=0.003',
  'dimension=bits&a=32&b=4',
  'dimension=bits&a=4&b=8&kind=quantize-ptq',
  'dimension=method&a=none&b=ptq',
  'dimension=method&a=ptq&b=qat',
  'dimension=noise&a=none&b=1',
  'dimension=source&a=real&b=synthetic',
];

async function compare(query: string): Promise<Comparison> {
  const res = await api.request({ method: 'GET', url: `/v1/compare?${query}&limit=100000` });
  if (res.statusCode !== 200) throw new Error(`GET /v1/compare?${query}: ${res.statusCode} ${res.body}`);
  return res.json() as Comparison;
}

/**
 * A comparison without the order its pairs and strata come in: pairs whose A sides have the same size and groups
 * (configurations of one group under two teachers) sort in the order the database gave them, either way.
 */
function unordered(c: Comparison) {
  const key = (x: unknown) => JSON.stringify(x);
  return {
    ...c,
    strata: [...c.strata].sort((x, y) => (key(x) < key(y) ? -1 : 1)),
    pairs: [...c.pairs].sort((x, y) => (key(x) < key(y) ? -1 : 1)),
  };
}

async function expectKeysToAnswerAsConfigs(): Promise<void> {
  for (const query of QUERIES) {
    const kept = await compare(query);
    const computed = await compare(`${query}&minAccuracy=0`);
    expect({ query, ...unordered(kept) }).toEqual({ query, ...unordered(computed) });
  }
}

/** What keyRows counts. */
interface KeyRows {
  configurations: number;
  keys: number;
  replicates: number;
  replicatesDiffer: number;
  copiesDiffer: number;
  poolsDiffer: number;
}

/**
 * How many configurations, key rows and replicates rows there are, and how many rows differ from what the
 * triggers keep: the replicates from the facts; the sizes and quantize from configuration_stats (the same numbers,
 * so pooled sizes come out alike); the values' labels and texts from the values; the pools from the key rows,
 * grouped anew.
 */
async function keyRows(): Promise<KeyRows> {
  const [row] = await api.store.rows<Omit<KeyRows, 'poolsDiffer'>>`    SELECT
      (SELECT count(*)::int FROM configuration_stats) AS configurations,
      (SELECT count(*)::int FROM configuration_dimension_keys) AS keys,
      (SELECT count(*)::int FROM configuration_replicates) AS replicates,
      (SELECT count(*)::int FROM configuration_replicates r WHERE r.run_ids IS DISTINCT FROM (
        SELECT array_agg(f.run_id ORDER BY f.run_id) FROM result_facts f
        WHERE f.team_id = r.team_id AND f.group_hash = r.group_hash COLLATE "default" AND f.teacher_key = r.teacher_key
      )) AS "replicatesDiffer",
      (SELECT count(*)::int FROM configuration_dimension_keys k
        LEFT JOIN configuration_stats c ON c.team_id = k.team_id AND c.group_hash = k.group_hash
          AND c.teacher_key = k.teacher_key
        LEFT JOIN configuration_replicates r ON r.team_id = k.team_id AND r.group_hash = k.group_hash
          AND r.teacher_key = k.teacher_key
        WHERE c.team_id IS NULL OR r.team_id IS NULL
          OR (r.parameters, r.bytes, r.quantize, k.quantize) IS DISTINCT FROM (c.parameters, c.bytes, c.quantize, c.quantize)
          OR (k.dimension_labels, k.dimension_texts) IS DISTINCT FROM (
            (configuration_dimension_labels_of(k.dimension_values)).labels,
            (configuration_dimension_labels_of(k.dimension_values)).texts)
      ) AS "copiesDiffer"`;
  return { ...(row as Omit<KeyRows, 'poolsDiffer'>), poolsDiffer: await countStaleComparisonPools(api.store) };
}

/** keyRows as it is when every row is what the triggers keep. */
function consistent(rows: KeyRows): KeyRows {
  return {
    configurations: rows.configurations,
    keys: rows.configurations,
    replicates: rows.configurations,
    replicatesDiffer: 0,
    copiesDiffer: 0,
    poolsDiffer: 0,
  };
}

beforeAll(async () => {
  api = await buildTestApi();
  const base = quickstart();
  const students = base.students as Record<string, unknown>;
  const specs = [0.001, 0.003].map((lr) =>
    quickstart({
      students: {
        ...students,
        train: { epochs: 2, batchSize: 64, optimizer: { name: 'adam', lr } },
        grid: {
          'model.activation': ['relu', { name: 'lma', segments: 8 }],
          'model.hidden': [[16], [32]],
          'distill.temperature': [2, 4],
          'train.epochs': [1, 2],
        },
      },
      quantize: [
        { method: 'ptq', bits: 4 },
        { method: 'ptq', bits: 8 },
        { method: 'qat', bits: 4 },
      ],
      seeds: [1, 2, 3],
    }),
  );
  // ReLU spelled as an object, under the first sweep's teacher: configurations that pool with the first sweep's
  // `relu` ones along the activation (the same value and context, other configs).
  const [first] = specs as [Record<string, unknown>];
  const firstStudents = first.students as Record<string, unknown>;
  specs.push({
    ...first,
    name: 'spelled',
    students: { ...firstStudents, grid: { ...(firstStudents.grid as object), 'model.activation': [{ name: 'relu' }] } },
  });
  for (const spec of specs) {
    const sweep = await submitSweep(api, spec);
    // Leave out a few replicates, so some configurations have fewer seeds than their partners.
    await storeResults(api, sweep, (run) => {
      const { model, seed } = run.config;
      const wide = model !== null && model.family === 'mlp' && model.hidden[0] === 32;
      return seed === 3 && wide && run.kind !== 'teacher' ? undefined : syntheticAccuracy(run);
    });
  }
});
afterAll(async () => {
  await api?.close();
});

describe('GET /v1/compare along a kept dimension', () => {
  it('keeps one row of keys, replicates, sizes, quantization and labels per configuration', async () => {
    const rows = await keyRows();
    expect(rows.configurations).toBeGreaterThan(100);
    expect(rows).toEqual(consistent(rows));
  });

  it('keeps the pools, among them some of several configurations', async () => {
    const [shared] = await api.store.rows<{ pools: number }>`SELECT count(*)::int AS pools FROM comparison_pools
      WHERE cardinality(members) > 1`;
    expect(shared?.pools).toBeGreaterThan(0);
  });

  it('gives the comparison computed from every configuration’s config: the same pairs, seed pairs, tests and values', async () => {
    const pairs = await compare(QUERIES[0] as string);
    expect(pairs.pairs.length).toBeGreaterThan(10);
    await expectKeysToAnswerAsConfigs();
  });

  describe('when results change, are deleted and land again', () => {
    it('follows a changed accuracy', async () => {
      await api.store.run`UPDATE results SET accuracy = accuracy - 0.05
        WHERE run_id IN (SELECT run_id FROM result_facts WHERE seed = 2 AND kind = 'student' LIMIT 5)`;
      expect(await keyRows()).toMatchObject({ replicatesDiffer: 0, copiesDiffer: 0, poolsDiffer: 0 });
      await expectKeysToAnswerAsConfigs();
    });

    it('follows deleted results: representatives replaced, configurations gone', async () => {
      // Each configuration's representative (its smallest run id), so another replicate represents it, and every
      // replicate of the 8-bit variants, so those configurations are removed.
      await api.store.run`DELETE FROM results WHERE run_id IN (SELECT rep_run_id FROM configuration_stats
        WHERE kind = 'student')`;
      await api.store.run`DELETE FROM results WHERE run_id IN (SELECT run_id FROM result_facts WHERE bits = 8)`;
      const rows = await keyRows();
      expect(rows).toEqual(consistent(rows));
      await expectKeysToAnswerAsConfigs();
    });

    it('follows results stored again', async () => {
      const runs = await api.store.rows<{ id: string }>`SELECT r.id::text FROM runs r
        WHERE NOT EXISTS (SELECT 1 FROM results x WHERE x.run_id = r.id) AND r.kind <> 'teacher'`;
      expect(runs.length).toBeGreaterThan(0);
      await api.store.run`INSERT INTO results (run_id, accuracy, loss, parameters, bytes, bits, backend, seconds)
        SELECT r.id, 0.7 + (r.config ->> 'seed')::int * 0.01, 0.3, r.predicted_parameters, r.predicted_bytes, r.bits,
          'wasm', 1
        FROM runs r WHERE r.id = ANY(${runs.map((r) => r.id)}::uuid[])`;
      const rows = await keyRows();
      expect(rows).toEqual(consistent(rows));
      await expectKeysToAnswerAsConfigs();
    });
  });
});
