import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCheckpointStore } from '../../src/checkpoints/file-checkpoint-store.ts';

/** A checkpoint store in a fresh temporary folder, and how to delete that folder. */
export interface TemporaryCheckpointStore {
  store: FileCheckpointStore;
  remove(): Promise<void>;
}

/** A {@link FileCheckpointStore} under a new folder of the system's temporary directory named `prefix…`. */
export async function createTemporaryCheckpointStore(prefix: string): Promise<TemporaryCheckpointStore> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { store: new FileCheckpointStore(dir), remove: () => rm(dir, { recursive: true, force: true }) };
}
