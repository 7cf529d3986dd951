import type { SqlExecutor } from '../store/sql-executor.ts';
import type { CancelOutcome } from './cancel-run.ts';
import type { MovedRun } from './moved-run.ts';

/**
 * A cancellation of the team's run or sweep `id`, in one transaction: `cancel` runs only once the team is known
 * to own it (given the run's key, or the sweep's name, for the reasons it records), and returns the runs it
 * cancelled; for an id the team does not own nothing is done and the outcome is not `found`.
 */
export function cancelOwned(
  db: SqlExecutor,
  table: 'runs' | 'sweeps',
  teamId: string,
  id: string,
  cancel: (sql: SqlExecutor, key: string) => Promise<MovedRun[]>,
): Promise<CancelOutcome> {
  return db.transaction(async (sql) => {
    const [owned] =
      table === 'runs'
        ? await sql.rows<{ key: string }>`SELECT key FROM runs WHERE id = ${id}::uuid AND team_id = ${teamId}::uuid`
        : await sql.rows<{ key: string }>`
            SELECT name AS key FROM sweeps WHERE id = ${id}::uuid AND team_id = ${teamId}::uuid`;
    if (owned === undefined) return { found: false, cancelled: [] };
    return { found: true, cancelled: await cancel(sql, owned.key) };
  });
}
