import type { SqlExecutor } from '../store/sql-executor.ts';

/** The id of the team named `name`, or null when there is none. */
export async function findTeamId(db: SqlExecutor, name: string): Promise<string | null> {
  const [row] = await db.rows<{ id: string }>`SELECT id::text AS id FROM teams WHERE name = ${name}`;
  return row?.id ?? null;
}
