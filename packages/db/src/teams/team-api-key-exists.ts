import type { SqlExecutor } from '../store/sql-executor.ts';

/** Whether `apiKeyId` is one of the team's keys, revoked or not. */
export async function teamApiKeyExists(db: SqlExecutor, teamId: string, apiKeyId: string): Promise<boolean> {
  const rows = await db.rows`SELECT 1 FROM api_keys WHERE id = ${apiKeyId}::uuid AND team_id = ${teamId}::uuid`;
  return rows.length > 0;
}
