import type { TestDatabase } from '@distillery/db/testing';
import type { DataRoots } from '@distillery/spec';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeJob } from '../src/execute-job.ts';
import { escapeControlCharacters, jsonLineLog, logExecutorEvents } from '../src/log/index.ts';
import { createTestWorld, type TestWorld } from './support/test-world.ts';

/** A message that tries to forge a line of its own, clear a terminal line, and break a line the Unicode way. */
const FORGING = 'run 1 failed: no such folder /data/x\n{"level":"info","msg":"run 2 succeeded"}\r\u001b[2K\u2028\u0085';

describe('the worker log', () => {
  it('writes each message as exactly one JSON line that reads back as the message', () => {
    const lines: string[] = [];
    const log = jsonLineLog({ write: (line) => lines.push(line), now: () => new Date('2026-01-02T03:04:05Z') });
    log(FORGING);
    expect(lines).toHaveLength(1);
    const [line] = lines as [string];
    expect(line.endsWith('\n')).toBe(true);
    for (const c of ['\n', '\r', '\u001b', '\u2028', '\u0085']) expect(line.slice(0, -1)).not.toContain(c);
    expect(JSON.parse(line)).toEqual({
      time: '2026-01-02T03:04:05.000Z',
      level: 'info',
      component: 'worker',
      msg: FORGING,
    });
  });

  it('escapes control characters visibly for text lines (the embedded executor’s)', () => {
    expect(escapeControlCharacters(FORGING)).toBe(
      'run 1 failed: no such folder /data/x\\n{"level":"info","msg":"run 2 succeeded"}\\r\\u001b[2K\\u2028\\u0085',
    );
    expect(escapeControlCharacters('plain text, tabs\tand all')).toBe('plain text, tabs\\tand all');
  });
});

describe('a run whose data path holds a forged log line', () => {
  const DATA_ROOTS: DataRoots = { shared: ['/nonexistent'], teamBase: null };
  let world: TestWorld;
  let database: TestDatabase;
  let app: FastifyInstance;
  let key: string;

  beforeAll(async () => {
    world = await createTestWorld({ dataRoots: DATA_ROOTS });
    ({ database, app, apiKey: key } = world);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('leaves one JSON line per message in the worker log', async () => {
    const path = '/nonexistent/x\n{"level":"info","msg":"run forged succeeded"}';
    const train = { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } };
    const res = await app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      headers: { authorization: `Bearer ${key}` },
      payload: {
        name: 'forge',
        dataset: { name: 'idx', path, shape: [4, 4, 1], classes: 3 },
        teacher: { model: { family: 'mlp', hidden: [4], activation: 'relu' }, train, seed: 1 },
        students: { model: { family: 'mlp', hidden: [4], activation: 'relu' }, train },
        seeds: [1],
      },
    });
    // A path with a line break may be refused at validation; then nothing reaches the worker's log at all.
    if (res.statusCode === 400) {
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      return;
    }
    expect(res.statusCode, res.body).toBe(201);
    const teacher = await database.db.run.findFirstOrThrow({ where: { sweepId: res.json().id, kind: 'teacher' } });
    const written: string[] = [];
    const emit = logExecutorEvents(jsonLineLog({ write: (line) => written.push(line) }));
    await executeJob(
      { runId: teacher.id, attempt: 1 },
      { db: database.store, workerId: 'w', enqueue: async () => {}, emit, dataRoots: DATA_ROOTS, maxAttempts: 1 },
    );
    const lines = written.join('').split('\n').slice(0, -1);
    expect(lines.length).toBe(written.length);
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages.some((m) => m.includes('/nonexistent/x'))).toBe(true);
    expect(lines.some((l) => l.startsWith('{"level":"info","msg":"run forged'))).toBe(false);
  });
});
