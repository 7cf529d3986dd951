import type { SqlExecutor } from '../store/sql-executor.ts';

/** A run's result as a sweep's run listing shows it: its headline numbers. */
export interface SweepRunResult {
  accuracy: number;
  loss: number;
  parameters: number;
  bytes: number;
  bits: number;
  /** The stored size breakdown (jsonb), null for results recorded before it existed. */
  sizeBreakdown: unknown;
}

/** A run as a sweep's run listing shows it, with its result's headline numbers. */
export interface SweepRunRow {
  id: string;
  sweepId: string;
  key: string;
  kind: string;
  label: string;
  /** The stored run config (jsonb). */
  config: unknown;
  parentId: string | null;
  state: string;
  attempt: number;
  progress: number;
  predictedParameters: number;
  predictedBytes: number;
  bits: number;
  error: string | null;
  skippedReason: string | null;
  result: SweepRunResult | null;
}

/** A sweep's runs: its own, and those it reuses from earlier sweeps with the key it gives each. */
export interface SweepRunRows {
  own: SweepRunRow[];
  reused: { key: string; run: SweepRunRow }[];
}

type Row = Omit<SweepRunRow, 'result'> & {
  /** The key under this sweep of a run it reuses; null for its own runs. */
  reusedKey: string | null;
  hasResult: boolean;
  resAccuracy: number;
  resLoss: number;
  resParameters: number;
  resBytes: number;
  resBits: number;
  resSizeBreakdown: unknown;
};

/**
 * Every run of the sweep, own and reused, in no particular order: one statement (a watcher reads this every
 * second, and on the embedded store each statement waits for the executor's writes).
 */
export async function listSweepRunRows(db: SqlExecutor, sweepId: string): Promise<SweepRunRows> {
  const rows = await db.rows<Row>`
    WITH listed AS (
      SELECT NULL::text AS reused_key, r.* FROM runs r WHERE r.sweep_id = ${sweepId}::uuid
      UNION ALL
      SELECT u.key, r.* FROM reused_runs u JOIN runs r ON r.id = u.run_id WHERE u.sweep_id = ${sweepId}::uuid
    )
    SELECT l.reused_key AS "reusedKey", l.id::text AS id, l.sweep_id::text AS "sweepId", l.key, l.kind, l.label,
           l.config, l.parent_id::text AS "parentId", l.state, l.attempt, l.progress,
           l.predicted_parameters AS "predictedParameters", l.predicted_bytes AS "predictedBytes", l.bits, l.error,
           l.skipped_reason AS "skippedReason", res.run_id IS NOT NULL AS "hasResult",
           res.accuracy AS "resAccuracy", res.loss AS "resLoss", res.parameters AS "resParameters",
           res.bytes AS "resBytes", res.bits AS "resBits", res.size_breakdown AS "resSizeBreakdown"
    FROM listed l LEFT JOIN results res ON res.run_id = l.id`;
  const own: SweepRunRow[] = [];
  const reused: SweepRunRows['reused'] = [];
  for (const r of rows) {
    const run: SweepRunRow = {
      id: r.id,
      sweepId: r.sweepId,
      key: r.key,
      kind: r.kind,
      label: r.label,
      config: r.config,
      parentId: r.parentId,
      state: r.state,
      attempt: r.attempt,
      progress: r.progress,
      predictedParameters: r.predictedParameters,
      predictedBytes: r.predictedBytes,
      bits: r.bits,
      error: r.error,
      skippedReason: r.skippedReason,
      result: r.hasResult
        ? {
            accuracy: r.resAccuracy,
            loss: r.resLoss,
            parameters: r.resParameters,
            bytes: r.resBytes,
            bits: r.resBits,
            sizeBreakdown: r.resSizeBreakdown,
          }
        : null,
    };
    if (r.reusedKey === null) own.push(run);
    else reused.push({ key: r.reusedKey, run });
  }
  return { own, reused };
}
