import {
  listSweepResultRuns,
  readRunParents,
  readTestPredictions,
  type Store,
  storedRunConfig,
  teamSweepExists,
} from '@distillery/db';
import type { RunConfig, RunKind } from '@distillery/spec';
import { NotFoundError } from '../errors/http-errors.ts';
import { compareRunKeys } from '../lib/compare-run-keys.ts';
import { isUuid } from '../lib/is-uuid.ts';
import { storedSizeBreakdown } from '../lib/stored-size-breakdown.ts';
import type { SweepResults } from '../schemas/sweep-results.ts';
import { aggregateResults } from './aggregate-results.ts';
import { configDimensions } from './config-dimensions.ts';

/**
 * One row per run of the sweep that has a result (the runs it reuses from earlier sweeps included), and the
 * rows aggregated over replicates. A synthesize run's result describes its data set, not a model: it is one of
 * the sweep's runs, not of its results.
 */
export async function getSweepResults(db: Store, teamId: string, sweepId: string): Promise<SweepResults> {
  if (!isUuid(sweepId)) throw new NotFoundError('sweep', sweepId);
  if (!(await teamSweepExists(db, teamId, sweepId))) throw new NotFoundError('sweep', sweepId);
  const runs = await listSweepResultRuns(db, sweepId);
  runs.sort((a, b) => compareRunKeys(a.key, b.key));
  const teachers = await teachersOf(db, runs);
  const rows = runs.flatMap((r) =>
    r.result === null || r.kind === 'synthesize'
      ? []
      : [
          {
            runId: r.id,
            key: r.key,
            kind: r.kind as RunKind,
            label: r.label,
            seed: storedRunConfig(r.config).seed,
            bits: r.result.bits,
            accuracy: r.result.accuracy,
            loss: r.result.loss,
            parameters: r.result.parameters,
            bytes: r.result.bytes,
            sizeBreakdown: storedSizeBreakdown(r.result.sizeBreakdown),
            backend: r.result.backend,
            group: r.groupHash,
            splitDigest: r.result.splitDigest,
            dimensions: configDimensions(
              storedRunConfig(r.config),
              teachers.get(r.id)?.teacher ?? null,
              undefined,
              teachers.get(r.id)?.studentTrain ?? null,
            ),
          },
        ],
  );
  const predictions = await readTestPredictions(
    db,
    teamId,
    rows.map((r) => r.runId),
  );
  return { rows, groups: aggregateResults(rows, predictions) };
}

/**
 * The teacher run each run was distilled from: a student's (or QAT variant's) parent; a PTQ variant's parent is
 * its student, whose parent is the teacher, and whose training is the PTQ variant's. Teachers have none. A run on
 * synthetic data has its synthesize run in between: the teacher is the synthesize run's parent.
 */
async function teachersOf(
  db: Store,
  runs: readonly { id: string; kind: string; parentId: string | null }[],
): Promise<Map<string, { teacher: string | null; studentTrain: RunConfig['train'] }>> {
  const ptq = runs.filter((r) => r.kind === 'quantize-ptq' && r.parentId !== null).map((r) => r.parentId as string);
  const students = await readRunParents(db, ptq);
  const studentOf = new Map(students.map((s) => [s.id, s]));
  const syntheses = new Map(runs.filter((r) => r.kind === 'synthesize').map((r) => [r.id, r.parentId]));
  const out = new Map<string, { teacher: string | null; studentTrain: RunConfig['train'] }>();
  for (const r of runs) {
    if (r.kind === 'teacher') continue;
    const student = r.kind === 'quantize-ptq' ? studentOf.get(r.parentId as string) : undefined;
    const above = student ? student.parentId : r.parentId;
    out.set(r.id, {
      teacher: above !== null && syntheses.has(above) ? (syntheses.get(above) ?? null) : above,
      studentTrain: student ? student.config.train : null,
    });
  }
  return out;
}
