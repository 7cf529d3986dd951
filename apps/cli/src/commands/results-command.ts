import type { ConfigurationResultList, TeamResultRowList } from '@distillery/api';
import type { ApiClient } from '../api-client.ts';
import { withClient } from '../client/connect.ts';
import { type FilterFlags, type OutputFlags, resolvedFilterQuery } from '../client/result-filter-flags.ts';
import { agreement, ci95, formatTable, kilobytes, meanStd, percent } from '../client/table.ts';

export interface ResultsFlags extends FilterFlags, OutputFlags {
  runs?: boolean;
  sort?: string;
  limit?: string;
  offset?: string;
}

/**
 * The team's results across all sweeps: configurations (seeds aggregated to mean ± std, 95% CI) or, with --runs, one
 * line per run; as a table, CSV or JSON.
 */
export async function resultsCommand(flags: ResultsFlags): Promise<void> {
  await withClient((api) => printResults(api, flags));
}

async function printResults(api: ApiClient, flags: ResultsFlags): Promise<void> {
  const path = flags.runs ? '/v1/results/runs' : '/v1/results';
  const query = {
    ...(await resolvedFilterQuery(api, flags)),
    sort: flags.sort,
    limit: flags.limit,
    offset: flags.offset,
    format: flags.csv ? 'csv' : undefined,
  };
  if (flags.csv) {
    process.stdout.write(await api.get<string>(path, query));
    return;
  }
  if (flags.runs) {
    const page = await api.get<TeamResultRowList>(path, query);
    if (flags.json) return void console.log(JSON.stringify(page, null, 2));
    console.log(
      formatTable(
        ['run', 'kind', 'dataset', 'configuration', 'seed', 'bits', 'size', 'accuracy'],
        page.items.map((r) => [
          r.runId,
          r.kind,
          r.dataset,
          r.label,
          String(r.seed),
          String(r.bits),
          kilobytes(r.bytes),
          percent(r.accuracy),
        ]),
        ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'right'],
      ),
    );
    console.log(footer(page.items.length, page.offset, page.total, 'runs'));
    return;
  }
  const page = await api.get<ConfigurationResultList>(path, query);
  if (flags.json) return void console.log(JSON.stringify(page, null, 2));
  console.log(
    formatTable(
      ['configuration', 'bits', 'params', 'size', 'accuracy (mean ± std)', '95% CI', 'n', 'agreement (pairs)'],
      page.items.map((c) => [
        c.description,
        String(c.bits),
        String(Math.round(c.parameters)),
        kilobytes(c.bytes),
        meanStd(c.accuracy),
        ci95(c.accuracy),
        String(c.n),
        agreement(c.agreement),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  console.log(footer(page.items.length, page.offset, page.total, 'configurations'));
}

function footer(shown: number, offset: number, total: number, what: string): string {
  if (total === 0) return `no ${what} match`;
  return `${what} ${offset + 1}–${offset + shown} of ${total}${offset + shown < total ? ' (--offset for more, --csv for all)' : ''}`;
}
