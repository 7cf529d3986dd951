import {
  listSweepRunMetrics,
  type RunMetricsRow,
  readTeamRunMetrics,
  type Store,
  teamSweepExists,
} from '@distillery/db';
import type { RunKind } from '@distillery/spec';
import { NotFoundError } from '../errors/http-errors.ts';
import { compareRunKeys } from '../lib/compare-run-keys.ts';
import { toCsv } from '../lib/csv.ts';
import { isUuid } from '../lib/is-uuid.ts';
import { toEpochMetrics } from '../lib/to-epoch-metrics.ts';
import { type EpochMetricsRow, METRICS_CSV_COLUMNS, type MetricsExport } from '../schemas/metrics-export.ts';

function rowsOf(runs: RunMetricsRow[]): EpochMetricsRow[] {
  runs.sort((a, b) => compareRunKeys(a.key, b.key));
  return runs.flatMap((r) =>
    r.metrics.map((m) => ({
      runId: r.id,
      key: r.key,
      kind: r.kind as RunKind,
      label: r.label,
      group: r.groupHash,
      ...toEpochMetrics(m),
    })),
  );
}

/** Every recorded epoch of one of the team's runs. */
export async function runMetrics(db: Store, teamId: string, runId: string): Promise<MetricsExport> {
  if (!isUuid(runId)) throw new NotFoundError('run', runId);
  const run = await readTeamRunMetrics(db, teamId, runId);
  if (run === null) throw new NotFoundError('run', runId);
  return { rows: rowsOf([run]) };
}

/** Every recorded epoch of a sweep's runs, the runs it reuses from earlier sweeps under its own keys included. */
export async function sweepMetrics(db: Store, teamId: string, sweepId: string): Promise<MetricsExport> {
  if (!isUuid(sweepId)) throw new NotFoundError('sweep', sweepId);
  if (!(await teamSweepExists(db, teamId, sweepId))) throw new NotFoundError('sweep', sweepId);
  return { rows: rowsOf(await listSweepRunMetrics(db, sweepId)) };
}

/** Metrics rows as CSV (RFC 4180, see lib/csv.ts). */
export function metricsToCsv(rows: readonly EpochMetricsRow[]): string {
  return toCsv(
    METRICS_CSV_COLUMNS.map((c) => [c, (row: EpochMetricsRow) => row[c]] as const),
    rows,
  );
}
