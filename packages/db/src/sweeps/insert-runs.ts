import type { RunConfig, RunKind, RunState } from '@distillery/spec';
import type { SqlExecutor } from '../store/sql-executor.ts';

/** One row of `runs` as a submission creates it. */
export interface NewRun {
  id: string;
  sweepId: string;
  teamId: string;
  key: string;
  kind: RunKind;
  parentId: string | null;
  label: string;
  groupHash: string;
  configHash: string;
  /** packages/spec runIdentity: the config hash chained with the parent's identity. */
  identity: string;
  config: RunConfig;
  state: Extract<RunState, 'queued' | 'waiting'>;
  predictedParameters: number;
  predictedBytes: number;
  bits: number;
  queuedAt: Date | null;
  /** Ordinal in the sweep's expansion (fair-share rank of its job). */
  position: number;
  /** packages/spec packKey of `config`: which runs of the sweep with the same parent may train together; null: alone. */
  packKey: string | null;
}

/**
 * Inserts a sweep's runs in one statement, the rows passed as a single JSON parameter. Prisma 7's `createMany`
 * took ~5–8 s for 5,000 runs here (the per-sweep ceiling), chunked or not; this takes ~0.3 s. Parents may
 * precede or follow their children: PostgreSQL checks the parent_id foreign key at the end of the statement.
 */
export async function insertRuns(tx: SqlExecutor, runs: readonly NewRun[]): Promise<void> {
  if (runs.length === 0) return;
  await tx.run`
    INSERT INTO runs (id, sweep_id, team_id, key, kind, parent_id, label, group_hash, config_hash, identity, config,
                      state, attempt, predicted_parameters, predicted_bytes, bits, queued_at, position, pack_key,
                      updated_at)
    SELECT r.id, r."sweepId", r."teamId", r.key, r.kind, r."parentId", r.label, r."groupHash", r."configHash",
           r.identity, r.config, r.state, 1, r."predictedParameters", r."predictedBytes", r.bits, r."queuedAt",
           r.position, r."packKey", now()
    FROM jsonb_to_recordset(${JSON.stringify(runs)}::jsonb) AS r(
      id uuid, "sweepId" uuid, "teamId" uuid, key text, kind text, "parentId" uuid, label text, "groupHash" text,
      "configHash" text, identity text, config jsonb, state text, "predictedParameters" int, "predictedBytes" int, bits int,
      "queuedAt" timestamptz, position int, "packKey" text)`;
}
