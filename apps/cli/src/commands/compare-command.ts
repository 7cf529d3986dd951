import type { Comparison } from '@distillery/api';
import { connect } from '../client/connect.ts';
import { type FilterFlags, filterQuery, type OutputFlags } from '../client/result-filter-flags.ts';
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

/** B against A along one dimension (activation by default) at otherwise equal configuration. */
export async function compareCommand(a: string, b: string, flags: CompareFlags): Promise<void> {
  const api = connect();
  const query = {
    ...filterQuery(flags),
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
  if (c.summary.n === 0) {
    console.log(`no pairs: no otherwise-equal configurations with ${c.dimension} ${c.a} and ${c.b}`);
    console.log(`values of ${c.dimension} in these results: ${values}`);
    process.exitCode = 0;
    return;
  }
  console.log(
    formatTable(
      ['shared configuration', `size ${c.a}`, c.a, c.b, 'B − A (pts)', 'seed-paired'],
      c.pairs.map((p) => [
        p.context,
        kilobytes(p.a.bytes),
        meanStd(p.a.accuracy),
        meanStd(p.b.accuracy),
        points(p.difference),
        p.seedPaired.n > 0 ? `${points(p.seedPaired.mean)} (n=${p.seedPaired.n})` : '–',
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  const s = c.summary;
  const spread =
    s.std === null ? '' : `, std ${(s.std * 100).toFixed(2)}, stderr ${((s.stderr ?? 0) * 100).toFixed(2)}`;
  console.log(
    `\n${c.b} − ${c.a} (${c.dimension}): mean paired difference ${points(s.mean)} pts${spread} over ${s.n} pairs; ` +
      `${c.b} better in ${s.bBetter}, ${c.a} better in ${s.aBetter}, ties ${s.ties}` +
      (c.pairs.length < s.n ? ` (first ${c.pairs.length} pairs listed)` : ''),
  );
}
