import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIdentity } from '@distillery/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIRECTORY, migrateDatabase } from '../src/index.ts';
import { ScratchDatabases, withClient } from './support/scratch-databases.ts';

const MIGRATION = '20261202020000_run_identity';

const scratch = new ScratchDatabases();
afterAll(() => scratch.dropAll());

const TEAM = '00000000-0000-4000-8000-000000000001';
const SWEEPS = ['00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a2'];
const TEACHER = '00000000-0000-4000-8000-0000000000b1';
/** The same student (same config and teacher) trained in two sweeps: a repeat, not a second seed. */
const STUDENTS = ['00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-0000000000c2'];
const PTQ = '00000000-0000-4000-8000-0000000000d1';

describe(`migration ${MIGRATION} on a database with results`, () => {
  let url: string;
  let identities: Map<string, string>;
  let facts: { run_id: string; identity: string; backend: string }[];

  beforeAll(async () => {
    url = scratch.url();
    const dir = await mkdtemp(join(tmpdir(), 'distillery-migrations-'));
    try {
      // Every migration before this one: the database as it was.
      for (const name of (await readdir(DEFAULT_MIGRATIONS_DIRECTORY)).filter((n) => n < MIGRATION)) {
        await cp(join(DEFAULT_MIGRATIONS_DIRECTORY, name), join(dir, name), { recursive: true });
      }
      await migrateDatabase(url, { migrationsDirectory: dir });
      await withClient(url, async (c) => {
        await c.query(`INSERT INTO teams (id, name) VALUES ($1, 'team')`, [TEAM]);
        for (const id of SWEEPS) {
          await c.query(
            `INSERT INTO sweeps (id, team_id, name, tags, spec, canonical, spec_hash, updated_at)
             VALUES ($1, $2, 'same spec', '{}', '{}', '{}', 'h', now())`,
            [id, TEAM],
          );
        }
        const run = (id: string, sweep: string, key: string, kind: string, parent: string | null, hash: string) =>
          c.query(
            `INSERT INTO runs (id, sweep_id, team_id, key, kind, parent_id, label, group_hash, config_hash, config,
                               state, predicted_parameters, predicted_bytes, bits, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $4, 'g-' || $5, $7, $8, 'succeeded', 1, 1, 32, now())`,
            [id, sweep, TEAM, key, kind, parent, hash, JSON.stringify({ dataset: { name: 'mnist' }, seed: 1 })],
          );
        await run(TEACHER, SWEEPS[0] as string, 'teacher', 'teacher', null, 'teacher-hash');
        await run(STUDENTS[0] as string, SWEEPS[0] as string, 's0.seed1', 'student', TEACHER, 'student-hash');
        await run(PTQ, SWEEPS[0] as string, 's0.seed1.q0', 'quantize-ptq', STUDENTS[0] as string, 'ptq-hash');
        await run(STUDENTS[1] as string, SWEEPS[1] as string, 's0.seed1', 'student', TEACHER, 'student-hash');
        for (const [i, id] of [TEACHER, STUDENTS[0], PTQ, STUDENTS[1]].entries()) {
          await c.query(
            `INSERT INTO results (run_id, accuracy, loss, parameters, bytes, bits, backend, seconds, created_at)
             VALUES ($1, $2, 0.1, 1, 1, 32, 'wasm', 1, now() + make_interval(secs => $3))`,
            [id, 0.5 + i / 10, i],
          );
        }
      });
      await cp(join(DEFAULT_MIGRATIONS_DIRECTORY, MIGRATION), join(dir, MIGRATION), { recursive: true });
      await migrateDatabase(url, { migrationsDirectory: dir });
      await withClient(url, async (c) => {
        const runs = await c.query<{ id: string; identity: string }>('SELECT id, identity FROM runs');
        identities = new Map(runs.rows.map((r) => [r.id, r.identity]));
        facts = (await c.query('SELECT run_id, identity, backend FROM result_facts ORDER BY run_id')).rows;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("gives every run the identity packages/spec computes: its config hash chained with its parent's", () => {
    const teacher = runIdentity('teacher-hash', null);
    const student = runIdentity('student-hash', teacher);
    expect(Object.fromEntries(identities)).toEqual({
      [TEACHER]: teacher,
      [STUDENTS[0] as string]: student,
      [STUDENTS[1] as string]: student,
      [PTQ]: runIdentity('ptq-hash', student),
    });
  });

  it("keeps one fact per replicate, the repeat's latest result", () => {
    expect(facts.map((f) => f.run_id)).toEqual([TEACHER, STUDENTS[1], PTQ].sort());
    expect(facts.every((f) => f.identity === identities.get(f.run_id) && f.backend === 'wasm')).toBe(true);
  });

  it('fills in the identity of a run inserted without one, from its parent', async () => {
    const id = '00000000-0000-4000-8000-0000000000e1';
    const identity = await withClient(url, async (c) => {
      await c.query(
        `INSERT INTO runs (id, sweep_id, team_id, key, kind, parent_id, label, group_hash, config_hash, config, state,
                           predicted_parameters, predicted_bytes, bits, updated_at)
         VALUES ($1, $2, $3, 'x', 'quantize-ptq', $4, 'x', 'g', 'other-hash', '{}', 'waiting', 1, 1, 8, now())`,
        [id, SWEEPS[1], TEAM, STUDENTS[1]],
      );
      return (await c.query<{ identity: string }>('SELECT identity FROM runs WHERE id = $1', [id])).rows[0]?.identity;
    });
    expect(identity).toBe(runIdentity('other-hash', identities.get(STUDENTS[1] as string) as string));
  });
});
