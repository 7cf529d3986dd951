import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeam, listFrontierConfigurations } from '../src/index.ts';
import type { ConfigurationRow } from '../src/results/configuration-row.ts';
import { configurationStatsSql } from '../src/results/configurations-sql.ts';
import { fragmentRows } from '../src/results/fragment-rows.ts';
import { storedConfigurationStatsSql } from '../src/results/stored-configuration-stats-sql.ts';
import { teamFactsSql } from '../src/results/team-facts-sql.ts';
import { countStaleComparisonPools, createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { insertRun, insertSweep, insertTeacher } from './support/result-fixtures.ts';

// The configuration_stats read model against a full re-grouping of result_facts, after random sequences of what
// changes facts: new replicates, re-trained runs replacing theirs (same identity and backend), older results that
// must not replace a newer one, changed and deleted results, multi-row inserts. The rows kept beside it
// (configuration_dimension_keys' keys and labels, configuration_replicates' replicates, sizes and quantize, the
// comparison_pools they make) are held to it and to the facts after each step.

/** A row of configurationStatsSql: a configuration's numbers as configurationsSql reads them, by teacher key. */
type StatsRow = Pick<
  ConfigurationRow,
  | 'group'
  | 'teacherId'
  | 'dataset'
  | 'kind'
  | 'n'
  | 'accuracyMean'
  | 'accuracyStd'
  | 'lossMean'
  | 'lossStd'
  | 'parameters'
  | 'bytes'
  | 'latestAt'
> & { tkey: string; rep: string };

/** A small seeded generator (mulberry32), so a failing sequence can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb?.drop());

async function compare(teamId: string): Promise<number> {
  const byKey = (rows: StatsRow[]) => new Map(rows.map((r) => [`${r.group}/${r.tkey}`, r]));
  const storedSql = storedConfigurationStatsSql(teamId, {});
  if (storedSql === null) throw new Error('no filters: the read model answers');
  const stored = byKey(await fragmentRows<StatsRow>(testDb.store, storedSql));
  const grouped = byKey(await fragmentRows<StatsRow>(testDb.store, configurationStatsSql(teamFactsSql(teamId, {}))));
  expect([...stored.keys()].sort()).toEqual([...grouped.keys()].sort());
  for (const [key, want] of grouped) {
    const got = stored.get(key) as StatsRow;
    const { accuracyMean, accuracyStd, lossMean, lossStd, ...exact } = want;
    expect({ key, ...got, accuracyMean: 0, accuracyStd: 0, lossMean: 0, lossStd: 0 }).toEqual({
      key,
      ...exact,
      accuracyMean: 0,
      accuracyStd: 0,
      lossMean: 0,
      lossStd: 0,
    });
    // The re-grouping sums the replicates in whatever order its hash aggregate meets them, the read model in run
    // id order: the same sum up to the last bits of a double.
    for (const [name, value] of Object.entries({ accuracyMean, accuracyStd, lossMean, lossStd })) {
      const stat = got[name as keyof StatsRow] as number | null;
      if (value === null) expect({ key, name, stat }).toEqual({ key, name, stat: null });
      else expect(Math.abs((stat as number) - value), `${key} ${name}`).toBeLessThanOrEqual(1e-12 * Math.abs(value));
    }
  }
  // The frontier kept with them against the one computed over the grouped configurations (accuracy ≥ 0 keeps
  // every replicate but makes the frontier computed rather than read).
  const points = (rows: { dataset: string; group: string; ord: number; configurations: number }[]) =>
    rows.map((r) => `${r.ord} ${r.dataset} ${r.group} of ${r.configurations}`);
  const kept = await listFrontierConfigurations(testDb.store, teamId, {});
  const computed = await listFrontierConfigurations(testDb.store, teamId, { minAccuracy: 0 });
  expect(points(kept)).toEqual(points(computed));
  const tkeys = (rows: object[]) => rows.map((r) => (r as { tkey: string }).tkey);
  expect(tkeys(kept)).toEqual(tkeys(computed));
  expect(await keysDiffering(teamId)).toEqual({ keys: grouped.size, differ: 0 });
  expect(await countStaleComparisonPools(testDb.store, teamId)).toBe(0);
  return grouped.size;
}

/**
 * The team's configuration_dimension_keys rows, and how many of them are not what the triggers keep: one per
 * configuration, with its replicates row (the replicates in run id order, configuration_stats' sizes and
 * quantize), configuration_stats' quantize, and the labels of its values.
 */
async function keysDiffering(teamId: string): Promise<{ keys: number; differ: number }> {
  const [row] = await testDb.store.rows<{ keys: number; differ: number }>`SELECT count(*)::int AS keys,
      count(*) FILTER (WHERE c.team_id IS NULL OR r.team_id IS NULL
        OR (r.parameters, r.bytes, r.quantize, k.quantize) IS DISTINCT FROM (c.parameters, c.bytes, c.quantize, c.quantize)
        OR (k.dimension_labels, k.dimension_texts) IS DISTINCT FROM (
          (configuration_dimension_labels_of(k.dimension_values)).labels,
          (configuration_dimension_labels_of(k.dimension_values)).texts)
        OR (r.seeds, r.run_ids, r.accuracies) IS DISTINCT FROM (f.seeds, f.run_ids, f.accuracies))::int AS differ
    FROM configuration_dimension_keys k
    LEFT JOIN configuration_stats c ON c.team_id = k.team_id AND c.group_hash = k.group_hash
      AND c.teacher_key = k.teacher_key
    LEFT JOIN configuration_replicates r ON r.team_id = k.team_id AND r.group_hash = k.group_hash
      AND r.teacher_key = k.teacher_key
    LEFT JOIN LATERAL (
      SELECT array_agg(f.seed ORDER BY f.run_id) AS seeds, array_agg(f.run_id ORDER BY f.run_id) AS run_ids,
        array_agg(f.accuracy ORDER BY f.run_id) AS accuracies
      FROM result_facts f WHERE f.team_id = k.team_id AND f.group_hash = k.group_hash COLLATE "default"
        AND f.teacher_key = k.teacher_key
    ) f ON true
    WHERE k.team_id = ${teamId}::uuid`;
  return row as { keys: number; differ: number };
}

describe('the configuration_stats read model', () => {
  it('equals a full re-grouping of the facts after random inserts, replacements, changes and deletes', async () => {
    const seed = 20261204;
    const rand = random(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
    const { teamId } = await createTeam(testDb.store, 'stats');
    const sweepId = await insertSweep(testDb.store, teamId);
    // Two runs of one teacher identity (a teacher trained again) and a second teacher configuration.
    const teachers = [
      await insertTeacher(testDb.store, teamId, sweepId, { group: 't1', dataset: 'mnist', width: 64 }),
      await insertTeacher(testDb.store, teamId, sweepId, { group: 't1', dataset: 'mnist', width: 64 }),
      await insertTeacher(testDb.store, teamId, sweepId, { group: 't2', dataset: 'fashion-mnist', width: 64 }),
    ];
    const results: string[] = [];
    let clock = Date.parse('2026-12-01T00:00:00Z');
    const storeResult = async (runIds: string[]) => {
      // Mostly newer than anything stored, sometimes older (an import of an old result must not replace a newer one).
      const rows = runIds.map((runId) => {
        clock += 1000;
        return {
          runId,
          // Some accuracies and sizes repeat, so configurations tie on the frontier's order.
          accuracy: rand() < 0.3 ? pick([0.6, 0.7, 0.8]) : 0.5 + rand() * 0.5,
          loss: rand(),
          parameters: 100 + Math.floor(rand() * 1000),
          bytes: rand() < 0.5 ? pick([100, 200, 300]) : 50 + Math.floor(rand() * 500),
          backend: pick(['wasm', 'wasm', 'cpu']),
          at: new Date(clock - (rand() < 0.2 ? 3_600_000 : 0)).toISOString(),
        };
      });
      await testDb.store
        .run`INSERT INTO results (run_id, accuracy, loss, parameters, bytes, bits, backend, seconds, created_at)
        SELECT x.run_id, x.accuracy, x.loss, x.parameters, x.bytes, 32, x.backend, 1, x.at
        FROM jsonb_to_recordset(${JSON.stringify(rows.map((r) => ({ ...r, run_id: r.runId })))}::jsonb)
          AS x(run_id uuid, accuracy float8, loss float8, parameters int, bytes int, backend text, at timestamptz)`;
      results.push(...runIds);
    };
    await storeResult(teachers);
    const newStudent = async () => {
      const width = pick([4, 8, 16]);
      const replicate = pick([1, 2, 3]);
      const teacher = pick(teachers);
      return insertRun(testDb.store, teamId, sweepId, {
        kind: 'student',
        parentId: teacher,
        group: `g${width}`,
        configHash: `g${width}-seed${replicate}`,
        dataset: teacher === teachers[2] ? 'fashion-mnist' : 'mnist',
        width,
      });
    };
    let checked = 0;
    for (let step = 0; step < 120; step++) {
      const roll = rand();
      if (roll < 0.45 || results.length < 5) await storeResult([await newStudent()]);
      else if (roll < 0.6) await storeResult([await newStudent(), await newStudent(), await newStudent()]);
      else if (roll < 0.8) {
        const runId = pick(results);
        await testDb.store
          .run`UPDATE results SET accuracy = ${rand()}, loss = ${rand()}, bytes = ${Math.floor(rand() * 900)}
          WHERE run_id = ${runId}::uuid`;
      } else {
        const runId = pick(results);
        await testDb.store.run`DELETE FROM results WHERE run_id = ${runId}::uuid`;
        results.splice(results.indexOf(runId), 1);
      }
      if (step % 10 === 9) checked = await compare(teamId);
    }
    // The sequence reached what it is for: several configurations, some with replicates replaced.
    expect(checked).toBeGreaterThan(5);
    const facts = await testDb.store.rows<{
      n: number;
    }>`SELECT count(*)::int AS n FROM result_facts WHERE team_id = ${teamId}::uuid`;
    expect(facts[0]?.n ?? 0).toBeLessThan(results.length);
  });

  it('counts both replicates when two transactions store results of one configuration at the same time', async () => {
    const { teamId } = await createTeam(testDb.store, 'stats-race');
    const sweepId = await insertSweep(testDb.store, teamId);
    const teacher = await insertTeacher(testDb.store, teamId, sweepId, { group: 't', dataset: 'mnist', width: 8 });
    const a = await insertRun(testDb.store, teamId, sweepId, {
      kind: 'student',
      parentId: teacher,
      group: 'g',
      configHash: 'g-1',
      dataset: 'mnist',
      width: 4,
    });
    const b = await insertRun(testDb.store, teamId, sweepId, {
      kind: 'student',
      parentId: teacher,
      group: 'g',
      configHash: 'g-2',
      dataset: 'mnist',
      width: 4,
    });
    const first = new pg.Client({ connectionString: testDb.url });
    const second = new pg.Client({ connectionString: testDb.url });
    await first.connect();
    await second.connect();
    try {
      const insert = (runId: string, accuracy: number) =>
        `INSERT INTO results (run_id, accuracy, loss, parameters, bytes, bits, backend, seconds)
         VALUES ('${runId}', ${accuracy}, 0.1, 10, 10, 32, 'wasm', 1)`;
      await first.query('BEGIN');
      await second.query('BEGIN');
      await first.query(insert(a, 0.8));
      // The second recomputes the configuration only after the first commits, so it sees the first's replicate.
      const pending = second.query(insert(b, 0.9));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await first.query('COMMIT');
      await pending;
      await second.query('COMMIT');
    } finally {
      await first.end();
      await second.end();
    }
    const [row] = await testDb.store.rows<{ n: number; accuracyMean: number }>`SELECT n, accuracy_mean AS "accuracyMean"
      FROM configuration_stats WHERE team_id = ${teamId}::uuid AND group_hash = 'g'`;
    expect(row?.n).toBe(2);
    expect(row?.accuracyMean).toBeCloseTo(0.85, 12);
    await compare(teamId);
  });
});
