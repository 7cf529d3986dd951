import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../src/embedded/index.ts';

describe('the embedded data folder', () => {
  let parent: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'distillery-mode-'));
  });
  afterAll(() => rm(parent, { recursive: true, force: true }));

  it('is readable by its owner only (0700), even when an older version made it 0755', async () => {
    const dataDir = join(parent, 'store');
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);
    const store = await EmbeddedStore.open({ dataDir });
    try {
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    } finally {
      await store.close();
    }
  });
});
