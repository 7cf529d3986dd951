import type { SqlExecutor } from '../store/sql-executor.ts';

/** One run above another in its parent chain. */
export interface RunAncestor {
  id: string;
  kind: string;
}

/**
 * The runs above a run, nearest first: its parent, the parent's parent, … up to its teacher (a chain is a few
 * runs long: teacher → synthesize → student → PTQ at most). Empty for a run without a parent or an unknown run.
 */
export async function runAncestors(db: SqlExecutor, runId: string): Promise<RunAncestor[]> {
  return db.rows<RunAncestor>`
    WITH RECURSIVE up(id, kind, depth) AS (
      SELECT p.id, p.kind, 1 FROM runs r JOIN runs p ON p.id = r.parent_id WHERE r.id = ${runId}::uuid
      UNION ALL
      SELECT p.id, p.kind, up.depth + 1 FROM up JOIN runs c ON c.id = up.id JOIN runs p ON p.id = c.parent_id
      WHERE up.depth < 16
    )
    SELECT id::text AS id, kind FROM up ORDER BY depth`;
}
