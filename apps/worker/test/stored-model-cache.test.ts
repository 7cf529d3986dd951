import type { ModelArtifact } from '@distillery/ml';
import { describe, expect, it } from 'vitest';
import { StoredModelCache } from '../src/stored-model-cache.ts';

/** A reader of artifacts of `bytes` bytes per run id, counting its reads. */
function reader(bytes: Record<string, number>) {
  const reads: string[] = [];
  const read = async (runId: string): Promise<ModelArtifact> => {
    reads.push(runId);
    const size = bytes[runId];
    if (size === undefined) throw new Error(`parent run ${runId} has no stored model`);
    return { files: [{ name: 'weights.bin', contentType: 'application/octet-stream', data: new Uint8Array(size) }] };
  };
  return { reads, read };
}

describe('the stored-model cache', () => {
  it('reads a model once for every run that loads it, concurrent first loads included', async () => {
    const { reads, read } = reader({ teacher: 100 });
    const cache = new StoredModelCache(read, 1000);
    const [a, b] = await Promise.all([cache.load('teacher'), cache.load('teacher')]);
    const c = await cache.load('teacher');
    expect(reads).toEqual(['teacher']);
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('evicts the least recently used models once their bytes pass the bound', async () => {
    const { reads, read } = reader({ a: 400, b: 400, c: 400 });
    const cache = new StoredModelCache(read, 1000);
    await cache.load('a');
    await cache.load('b');
    await cache.load('a'); // a is now the most recently used
    await cache.load('c'); // 1,200 bytes: b goes
    await cache.load('a');
    await cache.load('b');
    expect(reads).toEqual(['a', 'b', 'c', 'b']);
  });

  it('keeps neither a failed read nor a model larger than the bound', async () => {
    const { reads, read } = reader({ big: 2000 });
    const cache = new StoredModelCache(read, 1000);
    await expect(cache.load('missing')).rejects.toThrow('has no stored model');
    await expect(cache.load('missing')).rejects.toThrow('has no stored model');
    await cache.load('big');
    await cache.load('big');
    expect(reads).toEqual(['missing', 'missing', 'big', 'big']);
  });

  it('reads the store every time with a bound of 0', async () => {
    const { reads, read } = reader({ a: 1 });
    const cache = new StoredModelCache(read, 0);
    await cache.load('a');
    await cache.load('a');
    expect(reads).toEqual(['a', 'a']);
  });
});
