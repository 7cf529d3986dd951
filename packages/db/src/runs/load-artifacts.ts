import type { SqlExecutor } from '../store/sql-executor.ts';

export interface StoredArtifact {
  name: string;
  contentType: string;
  data: Uint8Array;
}

/** Every artifact a run stored (a model is model.json + weights.bin), by name. */
export async function loadArtifacts(db: SqlExecutor, runId: string): Promise<StoredArtifact[]> {
  const rows = await db.rows<{ name: string; contentType: string; data: Uint8Array }>`
    SELECT name, content_type AS "contentType", data FROM artifacts WHERE run_id = ${runId}::uuid ORDER BY name`;
  return rows.map((r) => ({ name: r.name, contentType: r.contentType, data: new Uint8Array(r.data) }));
}
