import type { TrainingCheckpoint } from './training-checkpoints.ts';

/** A checkpoint as a store returns it: which run and attempt wrote it, and its files. */
export interface StoredCheckpoint extends TrainingCheckpoint {
  runId: string;
  attempt: number;
}

export interface SavedCheckpoint {
  /** Where the store put it (recorded in the database's `checkpoints.location`). */
  location: string;
  bytes: number;
}

/**
 * Where runs' training checkpoints live, readable by every worker: a shared directory now
 * ({@link FileCheckpointStore}), an object store later. A store keeps only the latest checkpoint of a run; a save
 * replaces it atomically, so a reader sees the old checkpoint or the new one, never a torn one.
 */
export interface CheckpointStore {
  save(runId: string, attempt: number, checkpoint: TrainingCheckpoint): Promise<SavedCheckpoint>;
  /** The run's checkpoint, or null when there is none or it cannot be read back intact. */
  load(runId: string): Promise<StoredCheckpoint | null>;
  /** Idempotent. */
  delete(runId: string): Promise<void>;
}
