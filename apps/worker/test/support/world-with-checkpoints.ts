import { afterAll, beforeAll } from 'vitest';
import type { FileCheckpointStore } from '../../src/checkpoints/file-checkpoint-store.ts';
import { createTemporaryCheckpointStore, type TemporaryCheckpointStore } from './temporary-checkpoint-store.ts';
import { createTestWorld, type TestWorld } from './test-world.ts';

/** A test world with a checkpoint store in a temporary folder beside it, for one test file. */
export interface WorldWithCheckpoints {
  readonly world: TestWorld;
  readonly store: FileCheckpointStore;
}

/**
 * A {@link createTestWorld} world and a {@link createTemporaryCheckpointStore} store named `prefix…`, made before
 * the file's tests (read them inside tests and hooks) and closed and deleted after them.
 */
export function useWorldWithCheckpoints(prefix: string): WorldWithCheckpoints {
  let world: TestWorld | undefined;
  let checkpoints: TemporaryCheckpointStore | undefined;
  beforeAll(async () => {
    world = await createTestWorld();
    checkpoints = await createTemporaryCheckpointStore(prefix);
  });
  afterAll(async () => {
    await world?.close();
    await checkpoints?.remove();
  });
  const opened = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the test world is read before its beforeAll hook ran');
    return value;
  };
  return {
    get world() {
      return opened(world);
    },
    get store() {
      return opened(checkpoints).store;
    },
  };
}
