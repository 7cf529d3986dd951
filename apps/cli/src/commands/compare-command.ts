import type { Comparison } from '@distillery/api';
import { formatP } from '@distillery/spec';
import type { ApiClient } from '../api-client.ts';
import { withClient } from '../client/connect.ts';
import { type FilterFlags, type OutputFlags, resolvedFilterQuery } from '../client/result-filter-flags.ts';
import { formatTable, kilobytes, meanStd } from '../client/table.ts';

export interface CompareFlags extends FilterFlags, OutputFlags {
  dimension?: string;
  limit?: string;
}

function points(value: number | null): string {
  if (value === null) return '–';
  const p = value * 100;
  return `${p >= 0 ? '+' : ''}${p.toFixed(2)}`;
}

/**
 * B against A along one dimension (activation by default), paired on seed: per configuration pair and per
 * quantization stratum, the mean paired difference with its 95% CI, the paired t-test's p, n and a verdict.
 */
export async function compareCommand(a: string, b: string, flags: CompareFlags): Promise<void> {
  await withClient((api) => printComparison(api, a, b, flags));
}

async function printComparison(api: ApiClient, a: string, b: string, flags: CompareFlags): Promise<void> {
  const query = {
    ...(await resolvedFilterQuery(api, flags)),
    dimension: flags.dimension,
    a,
    b,
    limit: flags.limit,
    format: flags.csv ? 'csv' : undefined,
  };
  if (flags.csv) {
    process.stdout.write(await api.get<string>('/v1/compare', query));
    return;
  }
  const c = await api.get<Comparison>('/v1/compare', query);
  if (flags.json) return void console.log(JSON.stringify(c, null, 2));
  const values = c.values.map((v) => `${v.value} (${v.configurations})`).join(', ') || 'none';
  if (c.pairs.length === 0 && c.strata.length === 0) {
    console.log(`no pairs: no otherwise-equal configurations with ${c.dimension} ${c.a} and ${c.b}`);
    console.log(`values of ${c.dimension} in these results: ${values}`);
    process.exitCode = 0;
    return;
  }
  console.log(
    formatTable(
      ['shared configuration', 'stratum', `size ${c.a}`, c.a, c.b, 'B − A (pts)', '95% CI', 'p', 'n'],
      c.pairs.map((p) => [
        p.context,
        p.stratum,
        kilobytes(p.a.bytes),
        meanStd(p.a.accuracy),
        meanStd(p.b.accuracy),
        points(p.test.meanDifference),
        interval(p.test.ci95),
        p.test.p === null ? '–' : formatP(p.test.p).replace(/^= /, ''),
        String(p.test.n),
      ]),
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  console.log('');
  for (const s of c.strata) {
    const t = s.test;
    const stats =
      t.meanDifference === null
        ? 'no seed pairs'
        : `${points(t.meanDifference)} pts` +
          (t.ci95 === null ? '' : `, 95% CI ${interval(t.ci95)}`) +
          (t.std === null ? '' : `, std ${(t.std * 100).toFixed(2)}`) +
          `, n = ${t.n} seed pair${t.n === 1 ? '' : 's'} over ${s.configurations} configuration${s.configurations === 1 ? '' : 's'}`;
    console.log(`${c.b} − ${c.a} (${c.dimension}), ${s.label}: ${stats}: ${s.verdict}`);
  }
  if (c.pairs.length < c.strata.reduce((n, s) => n + s.configurations, 0)) {
    console.log(`(first ${c.pairs.length} configuration pairs listed; the tests cover all)`);
  }
  console.log(`\n${c.pairing}`);
}

function interval(ci: { low: number; high: number } | null): string {
  return ci === null ? '–' : `[${points(ci.low)}, ${points(ci.high)}]`;
}
