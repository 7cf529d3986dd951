import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '@distillery/api';
import { claimRun, completeRun, createTeam } from '@distillery/db';
import { createTestDatabase, type TestDatabase } from '@distillery/db/testing';
import { executeRun, initBackend, loadDataset } from '@distillery/ml';
import { RedisProbe, RunQueue } from '@distillery/queue';
import type { RunConfig } from '@distillery/spec';
import * as tf from '@tensorflow/tfjs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'distillery.mjs');
const TEST_ROWS = 300;

let database: TestDatabase;
let queue: RunQueue;
let redisProbe: RedisProbe;
let app: FastifyInstance;
let env: Record<string, string>;
let teacherId: string;
let studentId: string;
let teamId: string;
/** The sweep the suite trains from. */
let spec: Record<string, unknown>;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking the event loop (the API under test lives in this process). */
function distillery(args: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  await initBackend('wasm', () => {});
  database = await createTestDatabase();
  queue = new RunQueue({ redisUrl: 'redis://127.0.0.1:6379', prefix: `cli-model-${randomUUID().slice(0, 8)}` });
  redisProbe = new RedisProbe('redis://127.0.0.1:6379');
  app = await buildApp({ db: database.store, queue, redisProbe, logger: false });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const team = await createTeam(database.store, `cli-model-${randomUUID().slice(0, 8)}`);
  teamId = team.teamId;
  env = {
    DISTILLERY_URL: url,
    DISTILLERY_API_KEY: team.apiKey,
    DISTILLERY_CONFIG: join(mkdtempSync(join(tmpdir(), 'distillery-model-')), 'config.json'),
  };
  const train = { epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.003 } };
  spec = {
    name: 'take-away-cli',
    dataset: { name: 'mnist', limit: { train: 1500, test: TEST_ROWS } },
    teacher: { model: { family: 'mlp', hidden: [32], activation: { name: 'lma', segments: 8 } }, train, seed: 7 },
    students: {
      model: { family: 'mlp', hidden: [8], activation: 'relu' },
      train,
      distill: { temperature: 2, alpha: 0.5 },
    },
    seeds: [1],
  };
  const res = await fetch(`${url}/v1/sweeps`, {
    method: 'POST',
    headers: { authorization: `Bearer ${team.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
  if (res.status !== 201) throw new Error(`submit: ${res.status} ${await res.text()}`);
  const sweepId = ((await res.json()) as { id: string }).id;
  const runs = await database.db.run.findMany({ where: { sweepId } });
  teacherId = runs.find((r) => r.kind === 'teacher')?.id as string;
  studentId = runs.find((r) => r.kind === 'student')?.id as string;
  const run = await database.db.run.findUniqueOrThrow({ where: { id: teacherId } });
  await claimRun(database.store, teacherId, run.attempt, 'test-worker');
  const outcome = await executeRun({ config: run.config as unknown as RunConfig });
  const { artifact: _artifact, ...measured } = outcome;
  const result = { ...measured, seconds: 1 };
  await completeRun(database.store, teacherId, run.attempt, result, outcome.artifact.files);
}, 180_000);
afterAll(async () => {
  await app?.close();
  await queue?.queue.obliterate({ force: true }).catch(() => {});
  await queue?.close();
  await redisProbe?.close();
  await database?.drop();
});

/** The README's recipe for plain `@tensorflow/tfjs` in Node (which has no `file://` loader without tfjs-node). */
async function loadFromFolder(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  const weights = await readFile(join(dir, json.weightsManifest[0].paths[0]));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
}

describe('distillery model download', () => {
  it('writes a tfjs-layers model that loads and scores the accuracy the run stored on its test split', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'distillery-model-')), 'teacher');
    const r = await distillery(['model', 'download', teacherId, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/model\.json \(\d+ bytes\)\n.*model\.weights\.bin \(\d+ bytes\)\n$/);
    const model = await loadFromFolder(out);
    expect(model.layers.map((l) => l.getClassName())).toContain('LMA');
    const { test } = loadDataset({ name: 'mnist' });
    const features = 28 * 28;
    const x = tf.tensor2d(
      Float32Array.from(test.images.subarray(0, TEST_ROWS * features), (v) => v / 255),
      [TEST_ROWS, features],
    );
    const predicted = await tf.tidy(() => (model.predict(x) as tf.Tensor).argMax(-1)).data();
    x.dispose();
    model.dispose();
    let correct = 0;
    for (let i = 0; i < TEST_ROWS; i++) if (predicted[i] === test.labels[i]) correct++;
    const stored = await database.db.result.findUniqueOrThrow({ where: { runId: teacherId } });
    expect(correct / TEST_ROWS).toBeGreaterThan(0.5);
    expect(correct / TEST_ROWS).toBe(stored.accuracy);
  });

  it('writes the packed artifact byte for byte as the run stored it with --format packed', async () => {
    const out = mkdtempSync(join(tmpdir(), 'distillery-packed-'));
    const r = await distillery(['model', 'download', teacherId, '--format', 'packed', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const stored = await database.db.artifact.findMany({ where: { runId: teacherId } });
    const byName = new Map(stored.map((a) => [a.name, Buffer.from(a.data)]));
    expect(readFileSync(join(out, 'packed.json')).equals(byName.get('model.json') as Buffer)).toBe(true);
    expect(readFileSync(join(out, 'packed.bin')).equals(byName.get('weights.bin') as Buffer)).toBe(true);
  });

  it('says in one line that a run without a model has none, and writes nothing', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'distillery-none-')), 'student');
    const r = await distillery(['model', 'download', studentId, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr.replace(studentId, 'RUN')).toMatchInlineSnapshot(`
      "distillery: the API answered 404: run 'RUN' has no artifact 'model.json': the run stored no model (state queued)
      "
    `);
    expect(() => readFileSync(join(out, 'model.json'))).toThrow();
  });

  it('takes a unique prefix of the run id, and lists the runs a shorter one names', async () => {
    const out = mkdtempSync(join(tmpdir(), 'distillery-prefix-'));
    const r = await distillery(['model', 'download', teacherId.slice(0, 8), '--format', 'packed', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'packed.bin')).length).toBeGreaterThan(0);

    // More runs (not trained): 17 ids over 16 leading hex digits, so some digit starts two of them.
    const res = await fetch(`${env.DISTILLERY_URL}/v1/sweeps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.DISTILLERY_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...spec, name: 'many-ids', seeds: Array.from({ length: 16 }, (_, i) => i + 1) }),
    });
    expect(res.status).toBe(201);
    const all = await database.db.run.findMany({ where: { teamId }, select: { id: true } });
    const count = (digit: string) => all.filter((run) => run.id.startsWith(digit)).length;
    const digit = [...'0123456789abcdef'].sort((a, b) => count(b) - count(a))[0] as string;
    const ambiguous = await distillery(['model', 'download', digit]);
    expect(ambiguous.code).toBe(1);
    const lines = ambiguous.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`distillery: ${count(digit)} runs have ids starting with '${digit}'; give more of the id:`);
    for (const line of lines.slice(1, 11))
      expect(line).toMatch(new RegExp(`^  ${digit}[0-9a-f-]{35}  sweep [0-9a-f]{8}  \\S+  \\w+$`));

    const unused = [...'0123456789abcdef'].map((d) => d.repeat(8)).find((p) => count(p) === 0) as string;
    const missing = await distillery(['model', 'download', unused]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `distillery: no run of the team has an id starting with '${unused}' (\`distillery results --runs\` and the dashboard show run ids)\n`,
    );
  });

  it('names the allowed formats for an unknown --format', async () => {
    const r = await distillery(['model', 'download', teacherId, '--format', 'onnx']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatchInlineSnapshot(`
      "distillery: --format must be one of tfjs, packed, got 'onnx'
      "
    `);
  });
});
