import { listTeamFactRows, type Store, type TeamFactRow } from '@distillery/db';
import { iso } from '../lib/iso.ts';
import type { ResultsQuery } from '../schemas/result-filters.ts';
import type { TeamResultRow, TeamResultRowList } from '../schemas/team-results.ts';
import { configDimensions } from './config-dimensions.ts';
import { configurationFacts } from './configuration-facts.ts';
import { describeConfig } from './describe-config.ts';
import { resultsPage } from './results-page.ts';

/**
 * `GET /v1/results/runs`: the team's runs with a result, one row each, filtered, sorted, one page (see
 * listTeamFactRows); CSV has no description and skips the configs.
 */
export async function listTeamResultRuns(db: Store, teamId: string, query: ResultsQuery): Promise<TeamResultRowList> {
  const page = await resultsPage(db, teamId, query);
  const { total, rows } = await listTeamFactRows(db, teamId, query, { ...page, withConfig: query.format === 'json' });
  return { total, limit: page.limit, offset: page.offset, items: rows.map(toTeamResultRow) };
}

/** A result row as the API answers it (without a description when the config was not read). */
export function toTeamResultRow(r: TeamFactRow): TeamResultRow {
  return {
    runId: r.runId,
    sweepId: r.sweepId,
    key: r.key,
    label: r.label,
    seed: r.seed,
    accuracy: r.accuracy,
    loss: r.loss,
    parameters: r.parameters,
    bytes: r.bytes,
    backend: r.backend,
    group: r.group,
    ...configurationFacts(r),
    description: r.config === null ? '' : describeConfig(r.config),
    dimensions: configDimensions(r.dims, r.teacherId, undefined, r.studentTrain),
    createdAt: iso(r.createdAt),
  };
}
