import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '@distillery/api';
import { createApiKey, createTeam } from '@distillery/db';
import { createTestDatabase, type TestDatabase } from '@distillery/db/testing';
import { RedisProbe, RunQueue } from '@distillery/queue';
import { RUN_OVERHEAD_CALIBRATION } from '@distillery/spec';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'distillery.mjs');
const QUICKSTART = join(ROOT, 'examples', 'quickstart.yaml');

let database: TestDatabase;
let queue: RunQueue;
let redisProbe: RedisProbe;
let app: FastifyInstance;
let url: string;
let adminKey: string;
let viewerKey: string;
/** Each test's own config file, so `login` is exercised and nothing touches the real home directory. */
const configPath = join(mkdtempSync(join(tmpdir(), 'distillery-cli-')), 'config.json');

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking the event loop (the API under test lives in this process). */
function distillery(args: string[], env: Record<string, string> = {}, input?: string): Promise<Outcome> {
  return distilleryLive(args, env, input).outcome;
}

/** The CLI as `distillery` runs it, with its output so far readable while it runs. */
function distilleryLive(
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): { outcome: Promise<Outcome>; stdout: () => string } {
  let stdout = '';
  const outcome = new Promise<Outcome>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, DISTILLERY_CONFIG: configPath, DISTILLERY_WATCH_INTERVAL_MS: '200', ...env },
    });
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
  return { outcome, stdout: () => stdout };
}

/** Marks every run of a sweep succeeded with a made-up result, and the sweep finished: what workers would do. */
async function finish(sweepId: string, state: 'succeeded' | 'failed' = 'succeeded'): Promise<void> {
  const runs = await database.db.run.findMany({ where: { sweepId } });
  await database.db.run.updateMany({ where: { sweepId }, data: { state: 'succeeded', progress: 1 } });
  await database.db.result.createMany({
    data: runs.map((r) => {
      const activation = JSON.stringify((r.config as { model: { activation: unknown } }).model.activation);
      const accuracy =
        (r.kind === 'teacher' ? 0.97 : 0.8) + (activation.includes('lma') ? 0.03 : 0) - (r.bits < 32 ? 0.01 : 0);
      return {
        runId: r.id,
        accuracy,
        loss: 1 - accuracy,
        parameters: r.predictedParameters,
        bytes: r.predictedBytes,
        bits: r.bits,
        backend: 'wasm',
        seconds: 1,
      };
    }),
  });
  await database.db.sweep.update({ where: { id: sweepId }, data: { state, finishedAt: new Date() } });
}

beforeAll(async () => {
  database = await createTestDatabase();
  queue = new RunQueue({ redisUrl: 'redis://127.0.0.1:6379', prefix: `cli-test-${randomUUID().slice(0, 8)}` });
  redisProbe = new RedisProbe('redis://127.0.0.1:6379');
  app = await buildApp({ db: database.store, queue, redisProbe, logger: false });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  const team = await createTeam(database.store, `cli-${randomUUID().slice(0, 8)}`);
  adminKey = team.apiKey;
  viewerKey = (await createApiKey(database.store, team.teamId, { role: 'viewer', name: 'reader' })).apiKey;
});
afterAll(async () => {
  await app?.close();
  await queue?.queue.obliterate({ force: true }).catch(() => {});
  await queue?.close();
  await redisProbe?.close();
  await database?.drop();
});

describe('distillery login', () => {
  it('refuses a wrong key and saves nothing', async () => {
    const r = await distillery(['login', '--url', url, '--key', 'dst_wrong']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('distillery: the API answered 401: the API key is unknown, revoked or expired');
    expect(() => statSync(configPath)).toThrow();
  });

  it('says how to log in when a client command runs without it', async () => {
    const r = await distillery(['sweep', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^distillery: not logged in: run `distillery login/);
  });

  it('checks the key read from stdin and stores URL and key in a 0600 file', async () => {
    const r = await distillery(['login', '--url', `${url}/`], {}, `${adminKey}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^logged in to http:\/\/127\.0\.0\.1:\d+ as team 'cli-[0-9a-f]+' \(admin\)/);
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(configPath, 'utf8'))).toEqual({ url, apiKey: adminKey });
  });
});

describe('distillery sweep', () => {
  let sweepId: string;

  it('prints the plan with predicted sizes on --dry-run and submits nothing', async () => {
    const r = await distillery(['sweep', 'submit', QUICKSTART, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^run\s+kind\s+configuration\s+waits for\s+params\s+bits\s+size\s+quantized\s+codes \+ headers \+ float \+ index\s+est\. time\s+reuse$/,
    );
    expect(lines.find((l) => l.startsWith('s1.seed1.q0'))).toMatch(
      /quantize-ptq .* · ptq 8-bit · [\d.]+% of values quantized +s1\.seed1 .* 8 +\d+\.\d KB +[\d.]+% +[\d.]+ KB \+ [\d.]+ KB \+ [\d.]+ KB \+ [\d.]+ KB +≈[\d.]+ s calibration +trains$/,
    );
    expect(lines.find((l) => l.startsWith('teacher'))).toMatch(
      /32 +(\d+\.\d) KB +– +0\.0 KB \+ 0\.0 KB \+ \1 KB \+ 0\.0 KB +≈[\d.]+ s calibration +trains$/,
    );
    // Under the estimate, its per-run work from the calibration, where the calibration has measured it.
    const tail = RUN_OVERHEAD_CALIBRATION ? lines.slice(-3, -1) : lines.slice(-2);
    expect(tail[0]).toMatch(/^5 runs, .* KB of weights in all \(dry run: nothing was submitted\)$/);
    expect(tail[1]).toMatch(/^estimated time: ≈[\d.]+ s on one executor, ≈[\d.]+ s along the critical path/);
    if (RUN_OVERHEAD_CALIBRATION) {
      expect(lines.at(-1)).toMatch(
        /^ {2}≈[\d.]+ s training \+ ≈[\d.]+ s per-run work \([\d.]+ s per run alone × 5; from calibration\)$/,
      );
    }
    expect(r.stdout).not.toContain('warning:');
    expect(await database.db.sweep.count()).toBe(0);
  });

  it('warns on --dry-run and on submission when a quantize variant barely shrinks its student', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'distillery-legacy-')), 'legacy.yaml');
    const yaml = readFileSync(QUICKSTART, 'utf8').replace(/^quantize:\n.*$/m, (q) =>
      q.replace('}', ', keepFloat: first-last }'),
    );
    writeFileSync(file, yaml.replace(/^name: .*$/m, 'name: legacy-first-last'));
    expect(yaml).toContain('keepFloat: first-last');
    const dry = await distillery(['sweep', 'submit', file, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(
      /^warning: activation=relu · ptq 8-bit keepFloat=first-last · \d+% of values quantized: \d+ bytes quantized vs \d+ bytes float, [\d.]+% smaller \(under 10%\): .* \(runs s0\.seed1\.q0\)$/m,
    );
    expect(await database.db.sweep.count()).toBe(0);
    const submitted = await distillery(['sweep', 'submit', file]);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stderr).toMatch(
      /^warning: activation=relu · ptq 8-bit keepFloat=first-last .* \(runs s0\.seed1\.q0\)$/m,
    );
    const id = submitted.stdout.trimEnd().split('\n').at(-1) as string;
    await database.db.sweep.delete({ where: { id } });
  });

  it('submits a sweep file and prints its id on the last line', async () => {
    const r = await distillery(['sweep', 'submit', QUICKSTART]);
    expect(r.code, r.stderr).toBe(0);
    sweepId = r.stdout.trimEnd().split('\n').at(-1) as string;
    expect(r.stdout).toContain("submitted sweep 'quickstart': 5 runs");
    expect(await database.db.sweep.findUnique({ where: { id: sweepId } })).not.toBeNull();
  });

  it('lists the sweeps', async () => {
    const r = await distillery(['sweep', 'list']);
    expect(r.stdout.split('\n')[2]).toMatch(new RegExp(`^${sweepId}\\s+quickstart\\s+running\\s+5\\s+demo`));
  });

  it('watches until the sweep succeeds, then prints the results and exits 0', async () => {
    const watching = distilleryLive(['sweep', 'watch', sweepId]);
    // The runs finish only once the watch has shown them queued (a loaded machine can take seconds to start it).
    await expect.poll(() => watching.stdout(), { timeout: 30_000, interval: 100 }).toMatch(/queued/);
    await finish(sweepId);
    const r = await watching.outcome;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^teacher\s+teacher mlp 128 relu\s+queued\s+\[\.+\]\s+0%/m);
    expect(r.stdout).toMatch(/^teacher\s+teacher mlp 128 relu\s+succeeded\s+\[#+\] 100%/m);
    expect(r.stdout).toContain('sweep succeeded');
    expect(r.stdout).toMatch(/student\s+activation=lma-8\s+32\s+\d+\s+[\d.]+ KB\s+83\.00%\s+–\s+1/);
  });

  it('exits 1 when the watched sweep failed', async () => {
    const failed = (await distillery(['sweep', 'submit', QUICKSTART])).stdout.trimEnd().split('\n').at(-1) as string;
    await database.db.sweep.update({ where: { id: failed }, data: { state: 'failed' } });
    const r = await distillery(['sweep', 'watch', failed]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('sweep failed');
  });

  it('shows on --dry-run which runs a submission would reuse from earlier sweeps', async () => {
    const r = await distillery(['sweep', 'submit', QUICKSTART, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.find((l) => l.startsWith('teacher'))).toMatch(
      new RegExp(`reused from sweep ${sweepId} \\(run [0-9a-f-]{36}\\)$`),
    );
    expect(lines.at(-2)).toMatch(/^5 runs, .* KB of weights in all; 5 reused, 0 to train \(dry run/);
    expect(lines.at(-1)).toBe('estimated time: nothing to train (every run is reused)');
  });

  it('cancels a sweep, and names an unknown one in a readable error', async () => {
    // --rerun: without it the sweep would reuse the earlier one's finished runs and have nothing to cancel.
    const submitted = await distillery(['sweep', 'submit', QUICKSTART, '--rerun']);
    const id = submitted.stdout.trimEnd().split('\n').at(-1) as string;
    const r = await distillery(['sweep', 'cancel', id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^sweep ${id} cancelled: [1-5] runs cancelled by this request`));
    const missing = await distillery(['sweep', 'cancel', randomUUID()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^distillery: the API answered 404: sweep '[0-9a-f-]+' not found/);
  });
});

describe('distillery results, frontier and compare', () => {
  it('prints configurations as a table, CSV and JSON, with filters as flags', async () => {
    const table = await distillery(['results', '--kind', 'student']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^configuration\s+bits\s+params\s+size\s+accuracy \(mean ± std\)\s+95% CI\s+n\s+agreement \(pairs\)$/,
    );
    // One seed: no spread, no interval and no pair of seeds to agree.
    expect(lines[2]).toMatch(
      /^student mlp 16 lma-8 bn · T=2 α=0\.7 · mnist\s+32\s+\d+\s+[\d.]+ KB\s+83\.00%\s+–\s+1\s+–$/,
    );
    expect(lines.at(-1)).toBe('configurations 1–2 of 2');
    const csv = await distillery(['results', '--csv', '--bits', '8']);
    expect(csv.stdout.split('\r\n')[0]).toMatch(/^group,teacherId,kind,dataset,/);
    expect(csv.stdout.trimEnd().split('\r\n')).toHaveLength(3);
    const json = JSON.parse((await distillery(['results', '--json', '--runs'])).stdout);
    expect(json.total).toBe(5);
    // --teacher takes a unique prefix of the teacher run's id, as model download does: the same answer as its id.
    const teacherId = json.items.find((r: { kind: string }) => r.kind === 'teacher').runId as string;
    const byPrefix = await distillery(['results', '--json', '--runs', '--teacher', teacherId.slice(0, 8)]);
    expect(byPrefix.code, byPrefix.stderr).toBe(0);
    const byId = await distillery(['results', '--json', '--runs', '--teacher', teacherId]);
    expect(JSON.parse(byPrefix.stdout)).toEqual(JSON.parse(byId.stdout));
    expect(JSON.parse(byId.stdout).total).toBeGreaterThan(0);
  });

  it('prints the frontier per data set', async () => {
    const r = await distillery(['frontier']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^mnist: \d+ of 5 configurations on the frontier/);
  });

  it('compares LMA with ReLU at otherwise equal configuration, one stratum per quantization', async () => {
    const r = await distillery(['compare', 'relu', 'lma-8']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^shared configuration\s+stratum\s+size relu\s+relu\s+lma-8\s+B − A \(pts\)\s+95% CI\s+p\s+n$/,
    );
    // One seed: a difference, but no test.
    expect(r.stdout).toContain(
      'lma-8 − relu (activation), float: +3.00 pts, n = 1 seed pair over 1 configuration: ' +
        'too few pairs to test (n = 1; at least 2 are needed)',
    );
    expect(r.stdout).toContain('lma-8 − relu (activation), ptq 8-bit: +3.00 pts');
  });

  it('prints the paired 95% CI, p and verdict when there are seeds to pair', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/sweeps',
      headers: { authorization: `Bearer ${adminKey}` },
      payload: {
        name: 'seeded',
        dataset: { name: 'fashion-mnist', limit: { train: 1000, test: 200 } },
        teacher: {
          model: { family: 'mlp', hidden: [32], activation: 'relu' },
          train: { epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } },
        },
        students: {
          model: { family: 'mlp', hidden: [8], activation: 'relu' },
          train: { epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } },
          grid: { 'model.activation': ['relu', { name: 'lma', segments: 8 }] },
        },
        seeds: [1, 2, 3],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const runs = await database.db.run.findMany({ where: { sweepId: res.json().id } });
    // LMA − ReLU per seed: 2, 3, 4 points (mean 3, std 1): t = 3√3 with 2 degrees of freedom, so the two-sided
    // p is 1 − √(27/29) = 0.0351 and the 95% CI is 3 ± 4.3027/√3 = [0.52, 5.48] points.
    const accuracy = (r: (typeof runs)[number]) => {
      const config = r.config as { seed: number; model: { activation: unknown } };
      if (r.kind === 'teacher') return 0.9;
      const lma = JSON.stringify(config.model.activation).includes('lma');
      return 0.7 + config.seed * 0.05 + (lma ? ([0.02, 0.03, 0.04][config.seed - 1] ?? 0) : 0);
    };
    await database.db.result.createMany({
      data: runs.map((r) => ({
        runId: r.id,
        accuracy: accuracy(r),
        loss: 1 - accuracy(r),
        parameters: r.predictedParameters,
        bytes: r.predictedBytes,
        bits: r.bits,
        backend: 'wasm',
        seconds: 1,
      })),
    });
    const r = await distillery(['compare', 'relu', 'lma-8', '--dataset', 'fashion-mnist']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'lma-8 − relu (activation), float: +3.00 pts, 95% CI [+0.52, +5.48], std 1.00, n = 3 seed pairs over ' +
        '1 configuration: lma-8 better, p = 0.035, n = 3',
    );
    const table = await distillery(['results', '--dataset', 'fashion-mnist', '--kind', 'student']);
    expect(table.stdout).toMatch(/student mlp 8 relu .* 80\.00% ± 5\.00\s+\[67\.58, 92\.42\]\s+3/);
  });

  it('rejects a bad filter with the field and the rule', async () => {
    const r = await distillery(['results', '--bits', '17']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("bits: '17' is not a bit width");
  });
});

describe('distillery key', () => {
  it('creates a viewer key that can read but not submit, lists it, and revokes it', async () => {
    const created = await distillery(['key', 'create', 'bob', '--role', 'viewer', '--expires-in-days', '7']);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trimEnd().split('\n').at(-1) as string;
    const asBob = { DISTILLERY_URL: url, DISTILLERY_API_KEY: key };
    expect((await distillery(['sweep', 'list'], asBob)).code).toBe(0);
    const refused = await distillery(['sweep', 'submit', QUICKSTART], asBob);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("role 'viewer' may not POST /v1/sweeps");
    const list = await distillery(['key', 'list']);
    const id = list.stdout
      .split('\n')
      .find((l) => /\sbob\s/.test(l))
      ?.split(/\s+/)[0] as string;
    expect(list.stdout).not.toContain(key);
    expect((await distillery(['key', 'revoke', id])).code).toBe(0);
    expect((await distillery(['sweep', 'list'], asBob)).code).toBe(1);
    expect(
      (await distillery(['key', 'list'], { DISTILLERY_URL: url, DISTILLERY_API_KEY: viewerKey })).stderr,
    ).toContain("needs role 'admin'");
  });
});

describe('--help', () => {
  it('describes every client command', async () => {
    const outputs = await Promise.all(
      [
        ['login'],
        ['sweep', 'submit'],
        ['sweep', 'watch'],
        ['results'],
        ['frontier'],
        ['compare'],
        ['key', 'create'],
      ].map((args) => distillery([...args, '--help'])),
    );
    for (const r of outputs) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: distillery /);
    }
  });
});
