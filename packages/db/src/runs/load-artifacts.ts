import type { SqlExecutor } from '../store/sql-executor.ts';

export interface StoredArtifact {
  name: string;
  contentType: string;
  data: Uint8Array;
}

/**
 * Every artifact a run stored (a model is model.json + weights.bin), by name. The bytes come as base64 text and
 * are decoded natively: PGlite parses a `bytea` column's hex text in JavaScript one byte at a time (a student's
 * artifacts took ~25 ms of the embedded process's main thread to read, beside the training threads).
 */
export async function loadArtifacts(db: SqlExecutor, runId: string): Promise<StoredArtifact[]> {
  const rows = await db.rows<{ name: string; contentType: string; data: string }>`
    SELECT name, content_type AS "contentType", encode(data, 'base64') AS data
    FROM artifacts WHERE run_id = ${runId}::uuid ORDER BY name`;
  return rows.map((r) => ({ name: r.name, contentType: r.contentType, data: decodeBase64(r.data) }));
}

/**
 * The bytes of PostgreSQL's base64 text (which breaks lines every 76 characters; Node's decoder skips them), in
 * an ArrayBuffer of their own (a small Buffer is a view into a shared pool, and readers use `.buffer`).
 */
function decodeBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}
