import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../src/testing/index.ts';
import { ScratchDatabases } from './support/scratch-databases.ts';

describe('createTestDatabase', () => {
  it('creates a migrated distillery_test_* database and drop() removes it', async () => {
    const testDb = await createTestDatabase();
    const scratch = new ScratchDatabases();
    expect(new URL(testDb.url).pathname).toMatch(/^\/distillery_test_[0-9a-f]{12}$/);
    expect(await testDb.db.team.count()).toBe(0);
    await testDb.drop();
    expect(await scratch.exists(testDb.url)).toBe(false);
    await testDb.drop(); // idempotent
  });

  it('gives each call its own database', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    try {
      expect(a.url).not.toBe(b.url);
      await a.db.team.create({ data: { name: 'only-in-a' } });
      expect(await b.db.team.count()).toBe(0);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });
});
