/**
 * `/v1/compare`'s statement alone, by each of its three paths side by side on one kept bench database
 * (bench/store-scale.ts, BENCH_KEEP=1): along a kept dimension of all the team's configurations
 * compareConfigurations reads comparison_pools (`pools`); with a filter that takes whole configurations (here both
 * data sets, which keeps every configuration) it reads configuration_dimension_keys and pools them (`keys`); given
 * the same query with the dimension's path also listed as left out (the same context, but not as the keys were
 * made) it reads every configuration's representative config (`configs`). All three pair the same configurations.
 * Rounds alternate between the paths, so all see the same load.
 *
 * Run: `BENCH_DATABASE_URL=<url> npx tsx bench/compare-sql.ts [rounds=10]`. Prints a markdown table.
 */
import { type ComparisonQuery, compareConfigurations, PgPoolStore, type ResultFactFilters } from '@distillery/db';
import { loadAverage as load, COMPARE_BENCH_QUERIES as QUERIES } from './compare-bench-queries.ts';

const url = process.env.BENCH_DATABASE_URL;
if (url === undefined) throw new Error('BENCH_DATABASE_URL: a kept bench database (bench/store-scale.ts)');
const ROUNDS = Number(process.argv[2] ?? 10);
const store = new PgPoolStore(url);

try {
  const [{ id: teamId } = { id: '' }] = await store.rows<{
    id: string;
  }>`SELECT id::text FROM teams WHERE name = 'bench'`;
  console.log(`load average at the start ${load()}\n`);
  console.log('| query | path | pairs | p50 ms | max ms |\n|---|---|---|---|---|');
  for (const { name, query } of QUERIES) {
    const old: ComparisonQuery = { ...query, alsoOmit: [query.segments] };
    const times = { pools: [] as number[], keys: [] as number[], configs: [] as number[] };
    const sides = { pools: 0, keys: 0, configs: 0 };
    const paths: [keyof typeof times, ResultFactFilters, ComparisonQuery][] = [
      ['pools', {}, query],
      ['keys', { dataset: ['mnist', 'fashion-mnist'] }, query],
      ['configs', {}, old],
    ];
    for (let i = 0; i < 2 + ROUNDS; i++) {
      for (const [path, filters, q] of paths) {
        const started = performance.now();
        const answer = await compareConfigurations(store, teamId, filters, q);
        if (i >= 2) times[path].push(performance.now() - started);
        sides[path] = answer.strata.reduce((n, s) => n + s.configurations, 0);
      }
    }
    for (const [path] of paths) {
      const t = times[path].sort((a, b) => a - b);
      console.log(
        `| ${name} | ${path} | ${sides[path]} | ${(t[Math.floor(t.length / 2)] as number).toFixed(0)} | ${(t.at(-1) as number).toFixed(0)} |`,
      );
    }
  }
  console.log(`\nload average at the end ${load()}`);
} finally {
  await store.close();
}
