import type { SqlExecutor } from '../store/sql-executor.ts';

/**
 * The stored test predictions (results.test_predictions: one byte per test example) of these runs of the team, by
 * run id; a run without them (a result stored before they were, over 256 classes, another team's) is absent.
 * Read separately from the configurations' statistics: a configuration's agreement needs every replicate's
 * predictions, which are larger than everything else about it, and only the configurations a page shows need
 * them.
 */
export async function readTestPredictions(
  db: SqlExecutor,
  teamId: string,
  runIds: readonly string[],
): Promise<Map<string, Uint8Array>> {
  if (runIds.length === 0) return new Map();
  // base64 text: the pg driver and PGlite hand bytea back as different types.
  const rows = await db.rows<{ runId: string; predictions: string }>`
    SELECT r.run_id::text AS "runId", encode(r.test_predictions, 'base64') AS predictions
    FROM results r JOIN runs x ON x.id = r.run_id
    WHERE r.run_id = ANY(${[...new Set(runIds)]}::uuid[]) AND x.team_id = ${teamId}::uuid
      AND r.test_predictions IS NOT NULL`;
  return new Map(rows.map((r) => [r.runId, new Uint8Array(Buffer.from(r.predictions, 'base64'))]));
}
