import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeam, DEFAULT_MIGRATIONS_DIRECTORY, migrateDatabase, PgPoolStore } from '../src/index.ts';
import { insertRun, insertSweep, insertTeacher } from './support/result-fixtures.ts';
import { ScratchDatabases } from './support/scratch-databases.ts';

// The migration that keeps sizes, quantize and labels in configuration_dimension_keys fills them in for the
// configurations stored before it, and its triggers keep them from then on.

const MIGRATION = '20261207010000_configuration_dimension_keys_pairing';

const scratch = new ScratchDatabases();
let store: PgPoolStore | undefined;
afterAll(async () => {
  await store?.close();
  await scratch.dropAll();
});

/**
 * Key rows of the team that are not what the triggers keep (configuration_stats' copies, the values' labels). The
 * sizes the migration copied into the key rows are, since migration 20261208010000_comparison_pools, kept in the
 * configuration's replicates row, where they are checked.
 */
async function differing(db: PgPoolStore, teamId: string): Promise<{ keys: number; differ: number }> {
  const [row] = await db.rows<{ keys: number; differ: number }>`SELECT count(*)::int AS keys,
      count(*) FILTER (WHERE c.team_id IS NULL OR r.team_id IS NULL
        OR (r.parameters, r.bytes, k.quantize) IS DISTINCT FROM (c.parameters, c.bytes, c.quantize)
        OR (k.dimension_labels, k.dimension_texts) IS DISTINCT FROM (
          (configuration_dimension_labels_of(k.dimension_values)).labels,
          (configuration_dimension_labels_of(k.dimension_values)).texts))::int AS differ
    FROM configuration_dimension_keys k
    LEFT JOIN configuration_stats c ON c.team_id = k.team_id AND c.group_hash = k.group_hash
      AND c.teacher_key = k.teacher_key
    LEFT JOIN configuration_replicates r ON r.team_id = k.team_id AND r.group_hash = k.group_hash
      AND r.teacher_key = k.teacher_key
    WHERE k.team_id = ${teamId}::uuid`;
  return row as { keys: number; differ: number };
}

describe(`migration ${MIGRATION} on a database with results`, () => {
  let teamId: string;
  let before: { configurations: number };

  beforeAll(async () => {
    const url = scratch.url();
    const dir = await mkdtemp(join(tmpdir(), 'distillery-migrations-'));
    try {
      for (const name of (await readdir(DEFAULT_MIGRATIONS_DIRECTORY)).filter((n) => n < MIGRATION)) {
        await cp(join(DEFAULT_MIGRATIONS_DIRECTORY, name), join(dir, name), { recursive: true });
      }
      await migrateDatabase(url, { migrationsDirectory: dir });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    store = new PgPoolStore(url);
    teamId = (await createTeam(store, 'backfill')).teamId;
    const sweepId = await insertSweep(store, teamId);
    const teacher = await insertTeacher(store, teamId, sweepId, { group: 't', dataset: 'mnist', width: 64 });
    const runs = [teacher];
    for (const [i, width] of [8, 9, 16].entries()) {
      for (const seed of [1, 2]) {
        const id = await insertRun(store, teamId, sweepId, {
          kind: i === 2 ? 'quantize-qat' : 'student',
          parentId: teacher,
          group: `g${width}`,
          configHash: `g${width}-seed${seed}`,
          dataset: 'mnist',
          width,
        });
        if (i === 2) {
          await store.run`UPDATE runs SET config = config || '{"quantize": {"method": "qat", "bits": 4}}'::jsonb
            WHERE id = ${id}::uuid`;
        }
        runs.push(id);
      }
    }
    await store.run`INSERT INTO results (run_id, accuracy, loss, parameters, bytes, bits, backend, seconds)
      SELECT r.id, 0.5 + random() / 2, 0.1, 100 + (random() * 100)::int, 50 + (random() * 100)::int, 32, 'wasm', 1
      FROM runs r WHERE r.id = ANY(${runs}::uuid[])`;
    const [row] = await store.rows<{ configurations: number }>`SELECT count(*)::int AS configurations
      FROM configuration_stats WHERE team_id = ${teamId}::uuid`;
    before = row as { configurations: number };
    await migrateDatabase(url);
  });

  it('fills in every configuration stored before it', async () => {
    expect(before.configurations).toBe(4);
    expect(await differing(store as PgPoolStore, teamId)).toEqual({ keys: 4, differ: 0 });
    const quantized = await (store as PgPoolStore).rows<{ quantize: unknown; labels: (string | null)[] }>`SELECT
        k.quantize, k.dimension_labels AS labels FROM configuration_dimension_keys k
      WHERE k.team_id = ${teamId}::uuid AND k.group_hash = 'g16'`;
    expect(quantized).toEqual([
      { quantize: { method: 'qat', bits: 4 }, labels: expect.arrayContaining(['relu', '[16]', '4', 'qat']) },
    ]);
  });

  it('keeps them as results change after it', async () => {
    const db = store as PgPoolStore;
    await db.run`UPDATE results SET bytes = bytes + 7, parameters = parameters + 3
      WHERE run_id IN (SELECT run_id FROM result_facts WHERE team_id = ${teamId}::uuid AND group_hash = 'g8')`;
    await db.run`DELETE FROM results WHERE run_id IN (SELECT rep_run_id FROM configuration_stats
      WHERE team_id = ${teamId}::uuid AND group_hash = 'g9')`;
    expect(await differing(db, teamId)).toEqual({ keys: 4, differ: 0 });
  });
});
