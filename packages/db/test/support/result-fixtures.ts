// Hand-made sweeps and runs for tests of the results read models: rows as the API would store them, without
// planning or training.
import { randomUUID } from 'node:crypto';
import type { Store } from '../../src/index.ts';

/** A succeeded sweep of the team (no spec). */
export async function insertSweep(store: Store, teamId: string): Promise<string> {
  const id = randomUUID();
  await store.run`INSERT INTO sweeps (id, team_id, name, state, spec, canonical, spec_hash, updated_at)
    VALUES (${id}::uuid, ${teamId}::uuid, 'stats', 'succeeded', '{}'::jsonb, '{}'::jsonb, ${randomUUID()}, now())`;
  return id;
}

/** A run whose identity the database derives from its config hash and its parent's identity. */
export async function insertRun(
  store: Store,
  teamId: string,
  sweepId: string,
  run: { kind: string; parentId: string | null; group: string; configHash: string; dataset: string; width: number },
): Promise<string> {
  const id = randomUUID();
  const config = {
    kind: run.kind,
    dataset: { name: run.dataset },
    model: {
      family: 'mlp',
      hidden: [run.width],
      activation: run.width % 2 === 0 ? 'relu' : { name: 'lma', segments: 8 },
    },
    seed: 1,
  };
  await store.run`INSERT INTO runs (id, sweep_id, team_id, key, kind, parent_id, label, group_hash, config_hash,
      config, state, progress, predicted_parameters, predicted_bytes, bits, updated_at)
    VALUES (${id}::uuid, ${sweepId}::uuid, ${teamId}::uuid, ${id}, ${run.kind}, ${run.parentId}::uuid, ${id},
      ${run.group}, ${run.configHash}, ${JSON.stringify(config)}::jsonb, 'succeeded', 1, 0, 0, 32, now())`;
  return id;
}

/** A teacher: a run with no parent whose config hash is its group. */
export function insertTeacher(
  store: Store,
  teamId: string,
  sweepId: string,
  teacher: { group: string; dataset: string; width: number },
): Promise<string> {
  return insertRun(store, teamId, sweepId, { kind: 'teacher', parentId: null, configHash: teacher.group, ...teacher });
}
