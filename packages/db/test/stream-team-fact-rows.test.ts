import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeam, listTeamFactRows, streamTeamFactRows, type TeamFactRow } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { insertRun, insertSweep, insertTeacher } from './support/result-fixtures.ts';

let testDb: TestDatabase;
let teamId: string;
beforeAll(async () => {
  testDb = await createTestDatabase();
  teamId = (await createTeam(testDb.store, 'export')).teamId;
  const sweepId = await insertSweep(testDb.store, teamId);
  const teacher = await insertTeacher(testDb.store, teamId, sweepId, { group: 't', dataset: 'mnist', width: 32 });
  const runs = [teacher];
  for (let i = 0; i < 11; i++) {
    runs.push(
      await insertRun(testDb.store, teamId, sweepId, {
        kind: 'student',
        parentId: teacher,
        group: `g${i % 3}`,
        configHash: `s${i}`,
        dataset: 'mnist',
        width: 4 + (i % 3),
      }),
    );
  }
  await testDb.store.run`INSERT INTO results (run_id, accuracy, loss, parameters, bytes, bits, backend, seconds)
    SELECT id, 0.5 + (row_number() OVER (ORDER BY id)) % 5 * 0.1, 0.1, 10, 10 + (row_number() OVER (ORDER BY id)) % 4,
      32, 'wasm', 1
    FROM runs WHERE id = ANY(${runs}::uuid[])`;
});
afterAll(() => testDb?.drop());

describe('streamTeamFactRows', () => {
  it('hands over the rows of listTeamFactRows, in its order, a batch at a time', async () => {
    for (const sort of ['-accuracy', 'bytes', '-created'] as const) {
      const page = { sort, limit: 1000, offset: 0 };
      const { rows } = await listTeamFactRows(testDb.store, teamId, {}, { ...page, withConfig: false });
      const batches: TeamFactRow[][] = [];
      await streamTeamFactRows(
        testDb.store,
        teamId,
        {},
        page,
        async (batch) => {
          batches.push(batch);
        },
        5,
      );
      expect(batches.map((b) => b.length)).toEqual([5, 5, 2]);
      const strip = ({ total: _total, ...row }: TeamFactRow & { total?: unknown }) => row;
      expect(batches.flat().map(strip)).toEqual(rows.map(strip));
    }
  });

  it('keeps the limit and offset, and ends the transaction when the reader throws', async () => {
    const page = { sort: 'bytes' as const, limit: 4, offset: 3 };
    const { rows } = await listTeamFactRows(testDb.store, teamId, {}, { ...page, withConfig: false });
    const seen: string[] = [];
    await streamTeamFactRows(
      testDb.store,
      teamId,
      {},
      page,
      async (batch) => {
        seen.push(...batch.map((r) => r.runId));
      },
      3,
    );
    expect(seen).toEqual(rows.map((r) => r.runId));
    const gone = new Error('client went away');
    await expect(
      streamTeamFactRows(
        testDb.store,
        teamId,
        {},
        page,
        async () => {
          throw gone;
        },
        1,
      ),
    ).rejects.toBe(gone);
    // The connection went back to the pool without an open transaction or cursor.
    const [open] = await testDb.store.rows<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND state LIKE 'idle in transaction%'`;
    expect(open?.n).toBe(0);
  });
});
