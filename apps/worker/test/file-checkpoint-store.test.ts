import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCheckpointStore } from '../src/checkpoints/file-checkpoint-store.ts';

let dir: string;
let store: FileCheckpointStore;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-store-'));
  store = new FileCheckpointStore(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const checkpoint = (epoch: number) => ({
  epoch,
  files: [
    { name: 'checkpoint.json', contentType: 'application/json', data: new TextEncoder().encode(`{"epoch":${epoch}}`) },
    { name: 'state.bin', contentType: 'application/octet-stream', data: Uint8Array.from({ length: 64 }, (_, i) => i) },
  ],
});

describe('FileCheckpointStore', () => {
  it('keeps only the latest checkpoint of a run and reads it back intact', async () => {
    const runId = randomUUID();
    await store.save(runId, 1, checkpoint(1));
    const saved = await store.save(runId, 2, checkpoint(2));
    expect(saved.location).toBe(join(dir, 'checkpoints', `${runId}.ckpt`));
    expect(await store.load(runId)).toEqual({ runId, attempt: 2, ...checkpoint(2) });
    expect((await readdir(join(dir, 'checkpoints'))).filter((n) => n.startsWith(runId))).toEqual([`${runId}.ckpt`]);
  });

  it('writes checkpoints readable by their owner only (0600)', async () => {
    const runId = randomUUID();
    const saved = await store.save(runId, 1, checkpoint(1));
    expect((await stat(saved.location)).mode & 0o777).toBe(0o600);
  });

  it('reads a damaged file as no checkpoint, so the run starts from scratch', async () => {
    const runId = randomUUID();
    const { location } = await store.save(runId, 1, checkpoint(3));
    const bytes = await readFile(location);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    await writeFile(location, bytes);
    expect(await store.load(runId)).toBeNull();
  });

  it("deletes a run's checkpoint with the temporary files of a writer killed mid-save", async () => {
    const runId = randomUUID();
    await store.save(runId, 1, checkpoint(1));
    await writeFile(join(dir, 'checkpoints', `${runId}.ckpt.4242.abcd.tmp`), 'torn');
    await store.delete(runId);
    await store.delete(runId);
    expect((await readdir(join(dir, 'checkpoints'))).filter((n) => n.startsWith(runId))).toEqual([]);
    expect(await store.load(runId)).toBeNull();
  });

  it('refuses a run id that is not one (no path tricks)', async () => {
    await expect(store.load('../../etc/passwd')).rejects.toThrow(/not a run id/);
  });
});
