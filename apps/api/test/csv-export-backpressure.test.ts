import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { type IncomingMessage, request, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FACT_ROWS_BATCH, FACT_ROWS_FIRST_BATCH } from '@distillery/db';
import { observeStatements } from '@distillery/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/index.ts';
import { buildTestApi, type TestApi } from './helper.ts';

/** Results of the team: about 400 bytes of CSV each, so the export (~3 MB) is many times what the buffers hold. */
const ROWS = 8000;

let api: TestApi;
let app: FastifyInstance;
let socketPath: string;
/** FETCH statements the app's export has sent so far. */
let fetches = 0;
/** The response the app is writing the export to (the server's side of the socket). */
let response: ServerResponse | undefined;

beforeAll(async () => {
  api = await buildTestApi();
  const sweepId = randomUUID();
  await api.store.run`INSERT INTO sweeps (id, team_id, name, state, spec, canonical, spec_hash, updated_at)
    VALUES (${sweepId}::uuid, ${api.team.teamId}::uuid, 'export', 'succeeded', '{}'::jsonb, '{}'::jsonb,
      ${randomUUID()}, now())`;
  // Teachers need no parent: ROWS results in 100 configurations, as a worker would have stored them.
  await api.store.run`INSERT INTO runs (id, sweep_id, team_id, key, kind, label, group_hash, config_hash, config,
      state, progress, predicted_parameters, predicted_bytes, bits, updated_at)
    SELECT gen_random_uuid(), ${sweepId}::uuid, ${api.team.teamId}::uuid, 'teacher' || i, 'teacher', 'teacher' || i,
      md5('g' || i % 100), md5('c' || i),
      jsonb_build_object('kind', 'teacher', 'dataset', jsonb_build_object('name', 'mnist'),
        'model', jsonb_build_object('family', 'mlp', 'hidden', jsonb_build_array(8 + i % 64), 'activation', 'relu'),
        'train', jsonb_build_object('epochs', 1, 'batchSize', 64,
          'optimizer', jsonb_build_object('name', 'adam', 'lr', 0.001)),
        'seed', i, 'distill', NULL, 'quantize', NULL),
      'succeeded', 1, 0, 0, 32, now()
    FROM generate_series(1, ${ROWS}::int) i`;
  // In steps on one connection, with statistics after the first: the triggers' lookups, planned on empty
  // tables, would scan them for every row.
  await api.store.transaction(async (tx) => {
    for (let from = 0; from < ROWS; from += 1000) {
      await tx.run`INSERT INTO results (run_id, accuracy, loss, parameters, bytes, bits, backend, seconds)
        SELECT id, 0.9, 0.1, 1000, 4000, 32, 'wasm', 1 FROM runs
        WHERE sweep_id = ${sweepId}::uuid AND (config->>'seed')::int > ${from} AND (config->>'seed')::int <= ${from + 1000}`;
      if (from === 0) {
        await tx.run(['ANALYZE runs, results, result_facts, configuration_stats'] as unknown as TemplateStringsArray);
        await tx.run(['DISCARD PLANS'] as unknown as TemplateStringsArray);
      }
    }
  });

  const db = observeStatements(api.store, (statement) => {
    if (statement.via === 'sql' && /^\s*FETCH\b/.test(statement.text)) fetches++;
  });
  app = await buildApp({ db, queue: api.queue, redisProbe: api.redisProbe, logger: false });
  app.server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    response = res;
  });
  // A Unix socket: its kernel buffer is a fixed ~200 KiB (TCP's grows to megabytes), so what the server holds
  // once a reader stops is the server's own doing.
  socketPath = join(tmpdir(), `distillery-csv-${randomUUID().slice(0, 8)}.sock`);
  await app.listen({ path: socketPath });
});
afterAll(async () => {
  await app?.close();
  await api?.close();
  if (socketPath) await rm(socketPath, { force: true });
});

/** Rows the export has asked the database for: its first FETCH and the full ones after it. */
const rowsAsked = () => (fetches === 0 ? 0 : Math.min(ROWS, FACT_ROWS_FIRST_BATCH + (fetches - 1) * FACT_ROWS_BATCH));

/** Resolves once `probe` has given the same answer 25 times in a row, 20 ms apart: nothing moves any more. */
async function settled(probe: () => string): Promise<void> {
  let last = probe();
  for (let same = 0; same < 25; ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = probe();
    same = now === last ? same + 1 : 0;
    last = now;
  }
}

describe('GET /v1/results/runs?format=csv to a client that stops reading', () => {
  it('fetches no further than the buffers hold, and sends every row once the client reads on', async () => {
    fetches = 0;
    let lines = 0;
    /** The most rows asked of the database but not yet received by the client, at any chunk it received. */
    let mostAhead = 0;
    const received = new Promise<{ status: number; lines: number; stalled: Record<string, number> }>(
      (resolve, reject) => {
        const req = request(
          { socketPath, path: '/v1/results/runs?format=csv', headers: { authorization: `Bearer ${api.team.apiKey}` } },
          (res) => {
            let stalled: Record<string, number> = {};
            let paused = false;
            res.on('data', (chunk: Buffer) => {
              for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
              mostAhead = Math.max(mostAhead, rowsAsked() - (lines - 1));
              if (paused) return;
              paused = true;
              res.pause();
              // Wait until neither the database reads nor the server's buffer move, then look and read on.
              settled(() => `${fetches} ${response?.writableLength}`).then(() => {
                stalled = {
                  rowsAsked: rowsAsked(),
                  linesReceived: lines,
                  serverBuffered: response?.writableLength ?? -1,
                };
                res.resume();
              }, reject);
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, lines: lines - 1, stalled }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
    const { status, lines: rows, stalled } = await received;
    expect(status).toBe(200);
    expect(rows).toBe(ROWS);
    // While the client read nothing, the export stopped well short of the end: the cursor waits on the reader.
    expect(stalled.rowsAsked).toBeLessThan(ROWS / 2);
    // The server's socket holds its high-water mark and one part of the CSV (~40 KB), not a whole batch.
    expect(stalled.serverBuffered).toBeLessThanOrEqual(128 * 1024);
    // Ahead of the client at any time: the batch in hand, the stream's and the socket's buffers and the kernel's
    // (~200 KiB), about two batches; never the export.
    expect(mostAhead).toBeLessThanOrEqual(3 * FACT_ROWS_BATCH);
  });
});
