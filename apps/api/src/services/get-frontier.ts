import { listFrontierConfigurations, type Store } from '@distillery/db';
import type { ReplicateAgreement } from '@distillery/spec';
import type { Frontier } from '../schemas/frontier.ts';
import type { FrontierQuery } from '../schemas/result-filters.ts';
import { replicatesOf, toConfigurationResult } from './assemble-configurations.ts';
import { checkFilterTargets } from './check-filter-targets.ts';
import { replicateAgreements } from './replicate-agreements.ts';

/**
 * `GET /v1/frontier`: per data set, the configurations on the accuracy-versus-bytes Pareto frontier, computed on
 * replicate means (see listFrontierConfigurations).
 */
export async function getFrontier(db: Store, teamId: string, query: FrontierQuery): Promise<Frontier> {
  await checkFilterTargets(db, teamId, query);
  const rows = await listFrontierConfigurations(db, teamId, query);
  const agreements = await replicateAgreements(db, teamId, rows);
  const datasets = new Map<string, Frontier['datasets'][number]>();
  for (const [i, row] of rows.entries()) {
    const runs = replicatesOf(row);
    const point = { ...toConfigurationResult(row, agreements[i] as ReplicateAgreement, runs), runs };
    let entry = datasets.get(point.dataset);
    if (entry === undefined) {
      entry = { dataset: point.dataset, configurations: row.configurations, points: [] };
      datasets.set(point.dataset, entry);
    }
    entry.points.push(point);
  }
  return { datasets: [...datasets.values()] };
}
