import type { Frontier } from '@distillery/api';
import type { ApiClient } from '../api-client.ts';
import { withClient } from '../client/connect.ts';
import { type FilterFlags, type OutputFlags, resolvedFilterQuery } from '../client/result-filter-flags.ts';
import { ci95, formatTable, kilobytes, meanStd } from '../client/table.ts';

export interface FrontierFlags extends FilterFlags, OutputFlags {}

/** The accuracy-vs-size Pareto frontier of the team's configurations, per data set, smallest first. */
export async function frontierCommand(flags: FrontierFlags): Promise<void> {
  await withClient((api) => printFrontier(api, flags));
}

async function printFrontier(api: ApiClient, flags: FrontierFlags): Promise<void> {
  const query = { ...(await resolvedFilterQuery(api, flags)), format: flags.csv ? 'csv' : undefined };
  if (flags.csv) {
    process.stdout.write(await api.get<string>('/v1/frontier', query));
    return;
  }
  const frontier = await api.get<Frontier>('/v1/frontier', query);
  if (flags.json) return void console.log(JSON.stringify(frontier, null, 2));
  if (frontier.datasets.length === 0) {
    console.log('no results match');
    return;
  }
  const blocks = frontier.datasets.map(
    (d) =>
      `${d.dataset}: ${d.points.length} of ${d.configurations} configurations on the frontier\n` +
      formatTable(
        ['size', 'accuracy (mean ± std)', '95% CI', 'n', 'configuration', 'runs'],
        d.points.map((p) => [
          kilobytes(p.bytes),
          meanStd(p.accuracy),
          ci95(p.accuracy),
          String(p.n),
          p.description,
          p.runIds.map((id) => id.slice(0, 8)).join(' '),
        ]),
        ['right', 'right', 'right', 'right'],
      ),
  );
  console.log(blocks.join('\n\n'));
}
