import { listFrontierConfigurations, type Store } from '@distillery/db';
import type { Frontier } from '../schemas/frontier.ts';
import type { FrontierQuery } from '../schemas/result-filters.ts';
import { replicatesOf, toConfigurationResult } from './assemble-configurations.ts';
import { checkFilterTargets } from './check-filter-targets.ts';

/**
 * `GET /v1/frontier`: per data set, the configurations on the accuracy-versus-bytes Pareto frontier, computed on
 * replicate means (see listFrontierConfigurations).
 */
export async function getFrontier(db: Store, teamId: string, query: FrontierQuery): Promise<Frontier> {
  await checkFilterTargets(db, teamId, query);
  const rows = await listFrontierConfigurations(db, teamId, query);
  const datasets = new Map<string, Frontier['datasets'][number]>();
  for (const row of rows) {
    const runs = replicatesOf(row);
    const point = { ...toConfigurationResult(row, runs), runs };
    let entry = datasets.get(point.dataset);
    if (entry === undefined) {
      entry = { dataset: point.dataset, configurations: row.configurations, points: [] };
      datasets.set(point.dataset, entry);
    }
    entry.points.push(point);
  }
  return { datasets: [...datasets.values()] };
}
