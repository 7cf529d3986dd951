import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKEND_ENV, initBackend, MlError } from '../src/index.ts';

const quiet = () => {};

afterEach(() => {
  delete process.env[BACKEND_ENV];
});

describe('initBackend', () => {
  it('initialises wasm by default and is idempotent', async () => {
    expect(await initBackend(undefined, quiet)).toBe('wasm');
    expect(await initBackend('wasm', quiet)).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('lets DISTILLERY_BACKEND override the argument', async () => {
    process.env[BACKEND_ENV] = 'cpu';
    expect(await initBackend('wasm', quiet)).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('falls back from tensorflow (tfjs-node is absent here) to wasm, saying so', async () => {
    const lines: string[] = [];
    expect(await initBackend('tensorflow', (l) => lines.push(l))).toBe('wasm');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tfjs backend: wasm \(asked for tensorflow; tensorflow unavailable: .*tfjs-node-gpu/);
  });

  it('rejects an unknown DISTILLERY_BACKEND naming the variable', async () => {
    process.env[BACKEND_ENV] = 'webgpu';
    await expect(initBackend(undefined, quiet)).rejects.toThrow(MlError);
    await expect(initBackend(undefined, quiet)).rejects.toThrow(/DISTILLERY_BACKEND='webgpu' is not a backend/);
  });
});
