import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, createTestDataDir, type TestDatabase } from '@distillery/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'distillery.mjs');

const SWEEP = `
name: tiny
dataset: { name: synthetic, shape: [4, 4, 1], classes: 3, limit: { train: 300, test: 100 } }
teacher:
  model: { family: mlp, hidden: [16], activation: relu }
  train: { epochs: 2, batchSize: 32, optimizer: { name: adam, lr: 0.01 } }
students:
  model: { family: mlp, hidden: [4], activation: relu }
  train: { epochs: 1, batchSize: 32, optimizer: { name: adam, lr: 0.01 } }
  distill: { temperature: 2, alpha: 0.5 }
  grid:
    model.activation: [relu, { name: lma, segments: 4 }]
quantize:
  - { method: ptq, bits: 8 }
seeds: [1]
`;

/** The environment of a fresh machine: no DATABASE_URL, no REDIS_URL, no data folder setting. */
function bareEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'DISTILLERY_DATA_DIR']) if (!(name in extra)) delete env[name];
  return env;
}

function distillery(cwd: string, args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: bareEnv(extra), encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('distillery on a machine with nothing configured (embedded store, in-process execution)', () => {
  let cwd: string;

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'distillery-cli-'));
    // A migrated store copied in place of ./.distillery: initdb in WebAssembly takes tens of seconds; creating
    // the folder from nothing is covered by the store's own tests.
    await rename(await createTestDataDir(), join(cwd, '.distillery'));
    writeFileSync(join(cwd, 'sweep.yaml'), SWEEP);
  });
  afterAll(() => rm(cwd, { recursive: true, force: true }));

  describe('distillery run sweep.yaml', () => {
    let r: ReturnType<typeof distillery>;
    beforeAll(() => {
      r = distillery(cwd, ['run', 'sweep.yaml']);
    });

    it('trains the sweep and exits 0', () => {
      expect(r.stderr).not.toMatch(/Error|at .*\.ts:\d+/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`store     embedded store ${join(cwd, '.distillery')}`);
      expect(r.stdout).toMatch(/sweep +'tiny' [0-9a-f-]{36}: 5 runs from sweep.yaml/);
      expect(r.stdout).toMatch(/sweep succeeded in [\d.]+ s \(results in embedded store /);
    });

    it('prints the sweep id alone on the last line, for scripts', () => {
      const id = r.stdout.match(/sweep +'tiny' ([0-9a-f-]{36}): 5 runs/)?.[1];
      expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(id);
    });

    it('prints a line as each run changes, away from a terminal', () => {
      // Polled once a second: a short-lived state (queued, running) may fall between two polls, so only the
      // first and last states are certain, in that order.
      const at = (state: string) => r.stdout.search(new RegExp(`activation=lma-4 · seed 1 +${state} +\\[`));
      expect(at('waiting')).toBeGreaterThan(-1);
      expect(at('succeeded')).toBeGreaterThan(at('waiting'));
    });

    it('prints the results table and the accuracy-vs-size frontier', () => {
      expect(r.stdout).toMatch(/kind +configuration +bits +params +size +accuracy +95% CI +n/);
      expect(r.stdout).toMatch(/quantize-ptq +activation=lma-4 · ptq 8-bit · [\d.]+% of values quantized +8 /);
      expect(r.stdout).toMatch(/accuracy-vs-size frontier, synthetic: \d of 5 configurations/);
    });

    it("keeps the store and the local team's key (readable by the owner only) in ./.distillery", () => {
      expect(statSync(join(cwd, '.distillery')).mode & 0o777).toBe(0o700);
      expect(statSync(join(cwd, '.distillery', 'pgdata')).isDirectory()).toBe(true);
      expect(statSync(join(cwd, '.distillery', 'api-key')).mode & 0o777).toBe(0o600);
    });
  });

  describe('distillery serve', () => {
    let serve: ChildProcess;
    let output = '';
    let baseUrl: string;

    beforeAll(async () => {
      serve = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { cwd, env: bareEnv() });
      serve.stdout?.on('data', (d: Buffer) => {
        output += d;
      });
      serve.stderr?.on('data', (d: Buffer) => {
        output += d;
      });
      while (!/listening at (http:\/\/127\.0\.0\.1:\d+)/.test(output)) {
        if (serve.exitCode !== null) throw new Error(`serve exited: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      baseUrl = (/listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output) as RegExpExecArray)[1] as string;
    });
    afterAll(() => {
      if (serve.exitCode === null) serve.kill('SIGKILL');
    });

    it("serves the embedded store's sweeps with the local team's key", async () => {
      const key = /API key[^\n]*\n(dst_\S+)/.exec(output)?.[1] as string;
      expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
      const res = await fetch(`${baseUrl}/v1/sweeps`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { items: { name: string }[] }).items.map((s) => s.name)).toEqual(['tiny']);
    });

    it('keeps a second process out of the store while it serves, saying which process has it', () => {
      const r = distillery(cwd, ['export', 'never.jsonl']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toMatch(
        new RegExp(`^distillery: the embedded store .*\\.distillery is in use by process ${serve.pid} `),
      );
    });

    it('stops on SIGTERM with exit code 0', async () => {
      serve.kill('SIGTERM');
      const [code] = await once(serve, 'exit');
      expect(code).toBe(0);
    });
  });

  describe('distillery export, then distillery import into PostgreSQL', () => {
    let server: TestDatabase;
    beforeAll(async () => {
      server = await createTestDatabase({ prefix: 'distillery_cli_import' });
    });
    afterAll(() => server?.drop());

    it('moves every sweep, run and result into the team, created on import', async () => {
      const exported = distillery(cwd, ['export', 'results.jsonl.gz']);
      expect(exported.stderr).toBe('');
      expect(exported.stdout).toMatch(/sweeps +1\n {2}runs +5\n/);
      expect(statSync(join(cwd, 'results.jsonl.gz')).mode & 0o777).toBe(0o600);
      const imported = distillery(cwd, ['import', 'results.jsonl.gz', '--team', 'vision-lab'], {
        DATABASE_URL: server.url,
      });
      expect(imported.stderr).toBe('');
      expect(imported.stdout).toContain("created team 'vision-lab'");
      expect(imported.stdout).toMatch(/runs +5 read, +5 new/);
      const team = await server.db.team.findUniqueOrThrow({ where: { name: 'vision-lab' } });
      expect(await server.db.run.count({ where: { teamId: team.id, state: 'succeeded' } })).toBe(5);
      expect(await server.db.result.count()).toBe(5);
    });
  });
});
