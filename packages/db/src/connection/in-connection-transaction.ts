import type { PostgresConnection } from './postgres-connection.ts';

/**
 * Runs `work` in one transaction on `connection`: `begin` (BEGIN, or BEGIN with the isolation level), then COMMIT
 * when `work` settles, or ROLLBACK when it throws. The error `work` threw is what the caller gets, so a ROLLBACK
 * that fails too (the session is gone) is not reported over it.
 */
export async function inConnectionTransaction<T>(
  connection: PostgresConnection,
  begin: 'BEGIN' | 'BEGIN ISOLATION LEVEL REPEATABLE READ',
  work: () => Promise<T>,
): Promise<T> {
  await connection.exec(begin);
  try {
    const value = await work();
    await connection.exec('COMMIT');
    return value;
  } catch (error) {
    await connection.exec('ROLLBACK').catch(() => {});
    throw error;
  }
}
