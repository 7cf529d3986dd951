import type { Prisma } from '../generated/client.ts';
import type { SqlExecutor } from '../store/sql-executor.ts';
import { fragmentRows } from './fragment-rows.ts';

/**
 * Memory for one analytic statement's hashes and sorts. PostgreSQL's default (4 MB) makes grouping 100,000
 * results spill to disk (bench/results/results-queries.md); 64 MB keeps it in memory. Scoped to the statement's
 * own transaction (`set_config(…, true)`, as `SET LOCAL`): other statements on the pool keep the server's setting.
 */
export const ANALYTIC_WORK_MEM = '64MB';

/**
 * Runs one read-only analytic statement with {@link ANALYTIC_WORK_MEM} and without JIT compilation: these
 * statements join and group enough rows for the planner's cost to pass the JIT threshold, and compiling them took
 * longer than running them (a second for the runs export's cursor on 100,000 results against 20 ms without;
 * bench/results/store.md).
 */
export function analyticRows<T>(db: SqlExecutor, fragment: Prisma.Sql): Promise<T[]> {
  return db.transaction(async (tx) => {
    await analyticSettings(tx);
    return fragmentRows<T>(tx, fragment);
  });
}

/** Sets, for the current transaction only, what analyticRows runs under (work_mem, no JIT). */
export async function analyticSettings(tx: SqlExecutor): Promise<void> {
  await tx.rows`SELECT set_config('work_mem', ${ANALYTIC_WORK_MEM}, true), set_config('jit', ${'off'}, true)`;
}
