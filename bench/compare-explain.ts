/**
 * `/v1/compare`'s statement (comparisonSql, as compareConfigurations runs it: work_mem, no JIT, no nested loops)
 * on a kept bench database (bench/store-scale.ts, BENCH_KEEP=1), for the two comparisons the store benches
 * measure: `EXPLAIN (ANALYZE, BUFFERS)` of each once after a warm-up, then `rounds` plain runs with their wall
 * time and the PostgreSQL backend's CPU time (utime + stime from /proc: the database on this host).
 *
 * Run: `BENCH_DATABASE_URL=<url> npx tsx bench/compare-explain.ts [rounds=5]`; `BENCH_EXPLAIN=0` leaves out the
 * plans. Prints the plans, then a markdown table.
 */
import { comparisonSql, PgPoolStore, type SqlExecutor } from '@distillery/db';
import { loadAverage as load, COMPARE_BENCH_QUERIES as QUERIES } from './compare-bench-queries.ts';
import { processCpuMs } from './process-cpu.ts';

const url = process.env.BENCH_DATABASE_URL;
if (url === undefined) throw new Error('BENCH_DATABASE_URL: a kept bench database (bench/store-scale.ts)');
const ROUNDS = Number(process.argv[2] ?? 5);
const store = new PgPoolStore(url, { maxConnections: 1 });

/** The backend's CPU time in ms so far. */
const backendCpuMs = async (pid: number): Promise<number> => processCpuMs(pid) ?? 0;

async function statement(tx: SqlExecutor, prefix: string, sql: ReturnType<typeof comparisonSql>) {
  const strings = [...sql.strings];
  strings[0] = `${prefix}${strings[0]}`;
  return tx.rows<Record<string, unknown>>(Object.assign(strings, { raw: strings }), ...sql.values);
}

try {
  const [{ id: teamId } = { id: '' }] = await store.rows<{
    id: string;
  }>`SELECT id::text FROM teams WHERE name = 'bench'`;
  const [{ pid } = { pid: 0 }] = await store.rows<{ pid: number }>`SELECT pg_backend_pid() AS pid`;
  const table = [
    `load average at the start ${load()}`,
    '',
    '| query | wall ms (each run) | backend CPU ms (each run) |',
    '|---|---|---|',
  ];
  for (const { name, query } of QUERIES) {
    const sql = comparisonSql(teamId, {}, query);
    const run = (prefix: string) =>
      store.transaction(async (tx) => {
        await tx.rows`SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true),
          set_config('enable_nestloop', 'off', true)`;
        return statement(tx, prefix, sql);
      });
    await run('');
    if (process.env.BENCH_EXPLAIN !== '0') {
      const plan = await run('EXPLAIN (ANALYZE, BUFFERS) ');
      console.log(`\n### ${name}\n\n${plan.map((r) => r['QUERY PLAN']).join('\n')}\n`);
    }
    const walls: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const cpu = await backendCpuMs(pid);
      const started = performance.now();
      await run('');
      walls.push(performance.now() - started);
      cpus.push((await backendCpuMs(pid)) - cpu);
    }
    table.push(`| ${name} | ${walls.map((t) => t.toFixed(0)).join(', ')} | ${cpus.join(', ')} |`);
  }
  table.push('', `load average at the end ${load()}`);
  console.log(table.join('\n'));
} finally {
  await store.close();
}
