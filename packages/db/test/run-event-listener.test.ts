import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_EVENTS_CHANNEL, RunEventListener } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await database?.drop();
});

/** Resolves on the subscriber's next wake-up. */
function nextWake(listener: RunEventListener, sweepId: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = listener.subscribe(sweepId, () => {
      stop();
      resolve();
    });
  });
}

describe('RunEventListener', () => {
  it("wakes a sweep's subscribers when a notification of it commits", async () => {
    const listener = new RunEventListener(database.url);
    await listener.start();
    try {
      const sweepId = randomUUID();
      const woken = nextWake(listener, sweepId);
      await database.store.run`SELECT pg_notify(${RUN_EVENTS_CHANNEL}, ${sweepId})`;
      await woken;
    } finally {
      await listener.close();
    }
  });

  it('wakes every subscriber once it has reconnected, since what committed meanwhile notified no one', async () => {
    const listener = new RunEventListener(database.url, { reconnectDelayMs: 10 });
    await listener.start();
    try {
      const sweepId = randomUUID();
      const woken = nextWake(listener, sweepId);
      // The server ends the LISTEN connection (a restart, a failover, an idle-connection killer).
      const ended = await database.store.rows<{ ended: boolean }>`
        SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN %'`;
      expect(ended.some((e) => e.ended)).toBe(true);
      await woken;
      // And it listens again.
      const again = nextWake(listener, sweepId);
      await database.store.run`SELECT pg_notify(${RUN_EVENTS_CHANNEL}, ${sweepId})`;
      await again;
    } finally {
      await listener.close();
    }
  });
});
