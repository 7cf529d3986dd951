import type { DbExecutor } from './db-executor.ts';

export interface StoredArtifact {
  name: string;
  contentType: string;
  data: Uint8Array;
}

/** Every artifact a run stored (a model is model.json + weights.bin), by name. */
export async function loadArtifacts(db: DbExecutor, runId: string): Promise<StoredArtifact[]> {
  const rows = await db.artifact.findMany({
    where: { runId },
    select: { name: true, contentType: true, data: true },
    orderBy: { name: 'asc' },
  });
  return rows.map((r) => ({ name: r.name, contentType: r.contentType, data: new Uint8Array(r.data) }));
}
