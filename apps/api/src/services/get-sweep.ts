import type { Store } from '@distillery/db';
import { RUN_STATES, type RunState, TERMINAL_RUN_STATES } from '@distillery/spec';
import { NotFoundError } from '../errors/http-errors.ts';
import { isUuid } from '../lib/is-uuid.ts';
import type { RunStateCounts, SweepDetail } from '../schemas/sweep-detail.ts';
import { type SweepRow, toSweepSummary } from './to-sweep-summary.ts';

interface SweepDetailRow extends SweepRow {
  /** Per run state: runs, predicted bytes, summed progress. */
  byState: { state: string; runs: number; bytes: number; progress: number }[] | null;
  results: string;
}

/**
 * One sweep of the team with its run counts per state (its reused runs included); another team's sweep is not found. One statement on the
 * pool (the sweep, its runs grouped by state on the (sweep_id, state) index, its result count): this is the URL
 * dashboards and `sweep watch` poll, and the benchmark's (bench/orchestration.ts) — three ORM queries cost
 * several milliseconds of CPU each time.
 */
export async function getSweep(db: Store, teamId: string, sweepId: string): Promise<SweepDetail> {
  if (!isUuid(sweepId)) throw new NotFoundError('sweep', sweepId);
  const [sweep] = await db.rows<SweepDetailRow>`
    SELECT s.id::text AS id, s.name, s.tags, s.state, s.spec_hash AS "specHash", s.created_at AS "createdAt",
           s.updated_at AS "updatedAt", s.finished_at AS "finishedAt",
           (SELECT json_agg(g) FROM (
              SELECT state, count(*)::int AS runs, coalesce(sum(predicted_bytes), 0)::float8 AS bytes,
                     coalesce(sum(progress), 0)::float8 AS progress
              FROM (SELECT state, predicted_bytes, progress FROM runs WHERE sweep_id = s.id
                    UNION ALL
                    SELECT u.state, u.predicted_bytes, u.progress
                    FROM reused_runs l JOIN runs u ON u.id = l.run_id WHERE l.sweep_id = s.id) m
              GROUP BY state) g) AS "byState",
           (SELECT count(*) FROM results r JOIN runs u ON u.id = r.run_id WHERE u.sweep_id = s.id)
             + (SELECT count(*) FROM results r JOIN reused_runs l ON l.run_id = r.run_id WHERE l.sweep_id = s.id)
             AS results
    FROM sweeps s WHERE s.id = ${sweepId}::uuid AND s.team_id = ${teamId}::uuid`;
  if (sweep === undefined) throw new NotFoundError('sweep', sweepId);
  const counts = Object.fromEntries(RUN_STATES.map((s) => [s, 0])) as RunStateCounts;
  let runs = 0;
  let predictedBytes = 0;
  let progress = 0;
  for (const g of sweep.byState ?? []) {
    if ((RUN_STATES as readonly string[]).includes(g.state)) counts[g.state as RunState] = g.runs;
    runs += g.runs;
    predictedBytes += g.bytes;
    progress += g.progress;
  }
  const finished = TERMINAL_RUN_STATES.reduce((n, s) => n + counts[s], 0);
  return {
    ...toSweepSummary(sweep, runs),
    counts,
    totals: {
      runs,
      finished,
      results: Number(sweep.results),
      predictedBytes,
      progress: runs === 0 ? 0 : Math.min(1, progress / runs),
    },
  };
}
