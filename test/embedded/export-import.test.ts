import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildApp } from '@distillery/api';
import {
  createTeam,
  exportResults,
  ImportConflictError,
  ImportForeignRowError,
  importResults,
  type PostgresConnection,
  pgConnection,
  TRANSFER_TABLES,
  TransferFileError,
  TransferSchemaError,
} from '@distillery/db';
import {
  createTestDatabase,
  createTestEmbeddedStore,
  type TestDatabase,
  type TestEmbeddedStore,
} from '@distillery/db/testing';
import { InProcessExecutor } from '@distillery/worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TRAIN = { epochs: 2, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } };
const SWEEP = {
  name: 'to-move',
  tags: ['laptop'],
  dataset: { name: 'synthetic', shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } },
  teacher: { model: { family: 'mlp', hidden: [16], activation: 'relu' }, train: TRAIN, seed: 7 },
  students: {
    model: { family: 'mlp', hidden: [4], activation: 'relu' },
    train: { ...TRAIN, epochs: 1 },
    grid: { 'model.activation': ['relu', { name: 'lma', segments: 4 }] },
  },
  quantize: [{ method: 'ptq', bits: 8 }],
  seeds: [1, 2],
};

/** Every transferred table's rows as JSON, in key order, without what an import changes (team, serial ids). */
async function contents(c: PostgresConnection): Promise<Record<string, unknown[]>> {
  await c.exec("SET TimeZone = 'UTC'");
  const out: Record<string, unknown[]> = {};
  for (const table of TRANSFER_TABLES) {
    const drop = ['team_id', ...(table.omit ?? [])].map((k) => ` - '${k}'`).join('');
    const order = table.name === 'metrics' ? 'run_id, epoch' : table.key.map(([k]) => k).join(', ');
    out[table.name] = (
      await c.query<{ row: unknown }>(`SELECT to_jsonb(t)${drop} AS row FROM ${table.name} t ORDER BY ${order}`)
    ).map((r) => r.row);
  }
  return out;
}

async function writeExport(c: PostgresConnection, path: string): Promise<Record<string, number>> {
  const out = createWriteStream(path);
  const counts = await exportResults(c, async (line) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  });
  out.end();
  await once(out, 'finish');
  return counts;
}

const lines = (path: string) => createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });

describe('moving a local results database into a team server (export, then import)', () => {
  let embedded: TestEmbeddedStore;
  let server: TestDatabase;
  let client: pg.Client;
  let target: PostgresConnection;
  let dir: string;
  let file: string;
  let exported: Record<string, number>;
  let teamId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-transfer-'));
    file = join(dir, 'results.jsonl');
    embedded = await createTestEmbeddedStore();
    const db = embedded.store;
    const executor = new InProcessExecutor({ db, backend: 'wasm' });
    await executor.start();
    const app = await buildApp({ db, queue: executor.queue, redisProbe: executor.queue });
    try {
      const { apiKey } = await createTeam(db, 'local');
      const res = await app.inject({
        method: 'POST',
        url: '/v1/sweeps',
        headers: { authorization: `Bearer ${apiKey}` },
        payload: SWEEP,
      });
      expect(res.statusCode, res.body).toBe(201);
      const sweepId = (res.json() as { id: string }).id;
      while ((await embedded.db.sweep.findUniqueOrThrow({ where: { id: sweepId } })).state === 'running') {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await app.close();
      await executor.close();
    }
    exported = await writeExport(embedded.store.connection, file);
    server = await createTestDatabase({ prefix: 'distillery_import' });
    client = new pg.Client({ connectionString: server.url });
    await client.connect();
    target = pgConnection(client);
    teamId = (await createTeam(server.store, 'vision-lab')).teamId;
  });
  afterAll(async () => {
    await client?.end();
    await server?.drop();
    await embedded?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exports every row of the team data: sweeps, runs, metrics, results, model files and events', () => {
    expect(exported).toMatchObject({ sweeps: 1, runs: 9, results: 9 });
    for (const table of ['metrics', 'artifacts', 'run_events']) expect(exported[table]).toBeGreaterThan(0);
  });

  describe('into PostgreSQL', () => {
    let first: Awaited<ReturnType<typeof importResults>>;
    beforeAll(async () => {
      first = await importResults(target, lines(file), { teamId });
    });

    it('inserts every row it read', () => {
      expect(first.read).toEqual(exported);
      expect(first.inserted).toEqual(exported);
    });

    it('holds the same rows, ids and contents as the embedded store, now under the importing team', async () => {
      expect(await contents(target)).toEqual(await contents(embedded.store.connection));
      const teams = await target.query<{ team_id: string }>(
        'SELECT DISTINCT team_id::text FROM sweeps UNION SELECT DISTINCT team_id::text FROM runs',
      );
      expect(teams).toEqual([{ team_id: teamId }]);
    });

    it('rebuilds the read model of team-wide results from the imported results', async () => {
      const [facts] = await target.query<{ n: number }>('SELECT count(*)::int AS n FROM result_facts');
      expect(facts?.n).toBe(exported.results);
    });

    it('is idempotent: importing the same file again adds nothing', async () => {
      const again = await importResults(target, lines(file), { teamId });
      expect(Object.values(again.inserted).every((n) => n === 0)).toBe(true);
      expect(await contents(target)).toEqual(await contents(embedded.store.connection));
    });

    it('refuses, importing nothing, to give the same sweeps to another team', async () => {
      const other = (await createTeam(server.store, 'other-lab')).teamId;
      const error = await importResults(target, lines(file), { teamId: other }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportConflictError);
      expect(error).toMatchObject({ code: 'IMPORT_CONFLICT', table: 'sweeps' });
    });

    describe('when a file names a run or sweep of another team', () => {
      const rowsOf = (table: string) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .slice(1)
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as { table: string; row: Record<string, unknown> })
          .filter((e) => e.table === table);

      for (const table of ['metrics', 'results', 'artifacts', 'run_events']) {
        it(`refuses the whole file, naming the ${table} row, and imports none of it`, async () => {
          const intruder = (await createTeam(server.store, `intruder-${table}`)).teamId;
          // The intruder's own new sweep and run, then one row that names the victim's (imported above) run.
          const [sweep] = rowsOf('sweeps');
          const [run] = rowsOf('runs').filter((e) => e.row.parent_id === null);
          const [foreign] = rowsOf(table);
          const ownSweep = { ...sweep?.row, id: randomUUID(), name: 'innocent' };
          const ownRun = { ...run?.row, id: randomUUID(), sweep_id: ownSweep.id };
          const header = JSON.parse(readFileSync(file, 'utf8').split('\n')[0] as string) as Record<string, unknown>;
          const counts = Object.fromEntries(TRANSFER_TABLES.map((t) => [t.name, 0]));
          Object.assign(counts, { sweeps: 1, runs: 1, [table]: 1 });
          const crafted = join(dir, `foreign-${table}.jsonl`);
          writeFileSync(
            crafted,
            [
              { ...header, counts },
              { table: 'sweeps', row: ownSweep },
              { table: 'runs', row: ownRun },
              { table, row: foreign?.row },
            ]
              .map((l) => JSON.stringify(l))
              .join('\n'),
          );
          const before = await contents(target);

          const error = await importResults(target, lines(crafted), { teamId: intruder }).catch((e: unknown) => e);

          expect(error).toBeInstanceOf(ImportForeignRowError);
          const column = table === 'run_events' ? 'sweep_id' : 'run_id';
          expect(error).toMatchObject({ code: 'IMPORT_FOREIGN_ROW', line: 4, table, column, id: foreign?.row[column] });
          expect((error as Error).message).toContain(`line 4: the ${table} row's ${column}`);
          expect(await contents(target)).toEqual(before);
          expect(await server.db.sweep.count({ where: { teamId: intruder } })).toBe(0);
        });
      }

      it("refuses a run whose parent is another team's run", async () => {
        const intruder = (await createTeam(server.store, 'intruder-parent')).teamId;
        const [sweep] = rowsOf('sweeps');
        const [student] = rowsOf('runs').filter((e) => e.row.parent_id !== null);
        const ownSweep = { ...sweep?.row, id: randomUUID() };
        const ownRun = { ...student?.row, id: randomUUID(), key: 'x', sweep_id: ownSweep.id };
        const header = JSON.parse(readFileSync(file, 'utf8').split('\n')[0] as string) as Record<string, unknown>;
        const counts = { ...Object.fromEntries(TRANSFER_TABLES.map((t) => [t.name, 0])), sweeps: 1, runs: 1 };
        const crafted = join(dir, 'foreign-parent.jsonl');
        writeFileSync(
          crafted,
          [
            { ...header, counts },
            { table: 'sweeps', row: ownSweep },
            { table: 'runs', row: ownRun },
          ]
            .map((l) => JSON.stringify(l))
            .join('\n'),
        );
        const error = await importResults(target, lines(crafted), { teamId: intruder }).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'IMPORT_FOREIGN_ROW', line: 3, table: 'runs', column: 'parent_id' });
        expect(await server.db.sweep.count({ where: { teamId: intruder } })).toBe(0);
      });
    });
  });

  it('refuses a truncated file and imports none of it', async () => {
    const truncated = join(dir, 'truncated.jsonl');
    const all = readFileSync(file, 'utf8').trimEnd().split('\n');
    writeFileSync(truncated, `${all.slice(0, -3).join('\n')}\n`);
    const scratch = await createTestDatabase({ prefix: 'distillery_import' });
    const c = new pg.Client({ connectionString: scratch.url });
    await c.connect();
    try {
      const team = (await createTeam(scratch.store, 'lab')).teamId;
      const error = await importResults(pgConnection(c), lines(truncated), { teamId: team }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransferFileError);
      expect(await scratch.db.sweep.count()).toBe(0);
    } finally {
      await c.end();
      await scratch.drop();
    }
  });

  it('refuses a file exported from a database with migrations the target lacks', async () => {
    const newer = join(dir, 'newer.jsonl');
    const [head, ...rest] = readFileSync(file, 'utf8').split('\n');
    const header = JSON.parse(head as string) as { migrations: string[] };
    header.migrations.push('29990101000000_from_the_future');
    writeFileSync(newer, [JSON.stringify(header), ...rest].join('\n'));
    const error = await importResults(target, lines(newer), { teamId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferSchemaError);
    expect(error).toMatchObject({ missing: ['29990101000000_from_the_future'] });
  });
});
