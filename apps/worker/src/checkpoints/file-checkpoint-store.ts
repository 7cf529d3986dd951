import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { CheckpointStore, SavedCheckpoint, StoredCheckpoint } from './checkpoint-store.ts';
import type { TrainingCheckpoint } from './training-checkpoints.ts';

/** A checkpoint file's mode: owner read and write only (rw-------). */
export const CHECKPOINT_FILE_MODE = 0o600;

/** env var naming the directory every worker shares for checkpoints (and, later, other artifacts). */
export const ARTIFACT_DIR_ENV = 'DISTILLERY_ARTIFACT_DIR';
/** Default artifact directory, under the working directory. */
export const DEFAULT_ARTIFACT_DIR = '.distillery/artifacts';

const FORMAT = 'distillery-checkpoint';
const VERSION = 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Header {
  format: typeof FORMAT;
  version: typeof VERSION;
  runId: string;
  attempt: number;
  epoch: number;
  files: { name: string; contentType: string; size: number; sha256: string }[];
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * Checkpoints as one file per run, `<dir>/checkpoints/<run id>.ckpt`: a 4-byte little-endian header length, a
 * JSON header (run, attempt, epoch, and each file's name, type, size and sha256), then the files' bytes.
 * A save writes a temporary file in the same directory, fsyncs it and renames it over the old one (atomic on
 * POSIX file systems, NFS included), so the directory holds only each run's latest checkpoint. A file that fails
 * its checksums reads as absent: the run then restarts from epoch 0 rather than from corrupt state.
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly directory: string;

  /** @param artifactDir the shared artifact directory; checkpoints go to its `checkpoints/` subdirectory. */
  constructor(artifactDir: string) {
    this.directory = join(resolve(artifactDir), 'checkpoints');
  }

  /** The store `DISTILLERY_ARTIFACT_DIR` names (default `.distillery/artifacts` under the working directory). */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): FileCheckpointStore {
    return new FileCheckpointStore(env[ARTIFACT_DIR_ENV] || DEFAULT_ARTIFACT_DIR);
  }

  private path(runId: string): string {
    if (!UUID.test(runId)) throw new TypeError(`checkpoint store: '${runId}' is not a run id`);
    return join(this.directory, `${runId.toLowerCase()}.ckpt`);
  }

  async save(runId: string, attempt: number, checkpoint: TrainingCheckpoint): Promise<SavedCheckpoint> {
    const target = this.path(runId);
    const header: Header = {
      format: FORMAT,
      version: VERSION,
      runId,
      attempt,
      epoch: checkpoint.epoch,
      files: checkpoint.files.map((f) => ({
        name: f.name,
        contentType: f.contentType,
        size: f.data.byteLength,
        sha256: sha256(f.data),
      })),
    };
    const json = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(json.length);
    const parts = [length, json, ...checkpoint.files.map((f) => f.data)];
    const bytes = parts.reduce((n, p) => n + p.byteLength, 0);
    await mkdir(this.directory, { recursive: true });
    const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    // Owner only: a checkpoint is a team's model weights (the rename keeps the mode).
    const handle = await open(temp, 'w', CHECKPOINT_FILE_MODE);
    try {
      for (const p of parts) await handle.write(p);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, target);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
    return { location: target, bytes };
  }

  async load(runId: string): Promise<StoredCheckpoint | null> {
    let buffer: Buffer;
    try {
      buffer = await readFile(this.path(runId));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    try {
      const length = buffer.readUInt32LE(0);
      const header = JSON.parse(buffer.subarray(4, 4 + length).toString('utf8')) as Header;
      if (header.format !== FORMAT || header.version !== VERSION || header.runId !== runId) return null;
      let offset = 4 + length;
      const files = header.files.map((f) => {
        const data = new Uint8Array(buffer.subarray(offset, offset + f.size));
        offset += f.size;
        if (data.byteLength !== f.size || sha256(data) !== f.sha256) throw new Error(`${f.name}: checksum mismatch`);
        return { name: f.name, contentType: f.contentType, data };
      });
      if (offset !== buffer.length) return null;
      return { runId, attempt: header.attempt, epoch: header.epoch, files };
    } catch {
      return null;
    }
  }

  /** Removes the run's checkpoint and any temporary file a writer killed mid-save left behind. */
  async delete(runId: string): Promise<void> {
    const target = this.path(runId);
    await rm(target, { force: true });
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const prefix = `${basename(target)}.`;
    await Promise.all(
      names
        .filter((n) => n.startsWith(prefix) && n.endsWith('.tmp'))
        .map((n) => rm(join(this.directory, n), { force: true })),
    );
  }
}
