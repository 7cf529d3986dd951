import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, createTestDataDir, prismaOf, type TestDatabase } from '@distillery/db/testing';
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
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'DISTILLERY_DATA_DIR', 'DISTILLERY_URL', 'DISTILLERY_API_KEY']) {
    if (!(name in extra)) delete env[name];
  }
  // Never a saved `distillery login`: the client commands must find the store on their own.
  env.DISTILLERY_CONFIG = extra.DISTILLERY_CONFIG ?? join(tmpdir(), 'distillery-no-login', 'config.json');
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
      expect(r.code, r.stderr).toBe(0);
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
      expect(r.stdout).toMatch(/kind +configuration +bits +params +size +accuracy +95% CI +n +agreement \(pairs\)/);
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
  describe('the local workflow: client commands on the embedded store, without login or server', () => {
    let sweepId: string;
    let studentRunId: string;

    it('lists the sweeps from the store itself', () => {
      const r = distillery(cwd, ['sweep', 'list']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const row = /^([0-9a-f-]{36}) +tiny +succeeded +5\b/m.exec(r.stdout);
      expect(row, r.stdout).not.toBeNull();
      sweepId = (row as RegExpExecArray)[1] as string;
    });

    it("shows a sweep's results, the sweep given by a unique prefix of its id", () => {
      const r = distillery(cwd, ['results', '--sweep', sweepId.slice(0, 6)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/configuration +bits +params +size +accuracy \(mean ± std\) +95% CI +n +agreement/);
      expect(r.stdout).toMatch(/quantize-ptq mlp 4 lma-4 · T=2 α=0.5 · ptq 8-bit · synthetic +8 /);
      expect(r.stdout).toMatch(/configurations 1–5 of 5/);
    });

    it("draws a sweep's frontier, the sweep given by its name", () => {
      const r = distillery(cwd, ['frontier', '--sweep', 'tiny']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^synthetic: \d of 5 configurations on the frontier/);
    });

    it('compares two activations paired on seed', () => {
      const r = distillery(cwd, ['compare', 'relu', 'lma-4', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const c = JSON.parse(r.stdout) as { dimension: string; pairs: { test: { n: number } }[] };
      expect(c.dimension).toBe('activation');
      // The distilled students and their 8-bit versions: two configuration pairs, one seed each.
      expect(c.pairs.map((p) => p.test.n)).toEqual([1, 1]);
    });

    it('says what would execute a sweep submitted while nothing serves the store', () => {
      const r = distillery(cwd, ['sweep', 'submit', 'sweep.yaml']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        `distillery: nothing serves the embedded store at ${join(cwd, '.distillery')}: start \`distillery serve\` ` +
          'and submit again, or `distillery run FILE` runs the sweep in this process (or `distillery login` to an API)',
      );
    });

    it('refuses a prefix two sweeps share, listing both', async () => {
      // A second sweep whose id shares the first 8 characters: random ids cannot be made to collide otherwise.
      const twin = `${sweepId.slice(0, 8)}-0000-4000-8000-000000000000`;
      const { EmbeddedStore } = await import('@distillery/db/embedded');
      const store = await EmbeddedStore.open({ dataDir: join(cwd, '.distillery') });
      try {
        const student = await prismaOf(store).run.findFirstOrThrow({ where: { sweepId, kind: 'student' } });
        studentRunId = student.id;
        const { id: _, ...sweep } = await prismaOf(store).sweep.findUniqueOrThrow({ where: { id: sweepId } });
        await prismaOf(store).sweep.create({
          data: { ...sweep, id: twin, spec: sweep.spec as object, canonical: sweep.canonical as object },
        });
      } finally {
        await store.close();
      }
      const r = distillery(cwd, ['sweep', 'watch', sweepId.slice(0, 8)]);
      expect(r.code).toBe(1);
      const candidates = [twin, sweepId].sort().map((id) => `\n  ${id}  tiny  succeeded  `);
      expect(r.stderr).toContain(`distillery: 2 sweeps ids start with '${sweepId.slice(0, 8)}'; give more of the id:`);
      for (const line of candidates) expect(r.stderr).toContain(line);
      expect(r.stdout).toBe('');
    });

    it("downloads a run's model from the store itself", () => {
      const r = distillery(cwd, ['model', 'download', studentRunId, '--out', 'student']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const model = JSON.parse(readFileSync(join(cwd, 'student', 'model.json'), 'utf8')) as {
        weightsManifest: { paths: string[] }[];
      };
      expect(model.weightsManifest[0]?.paths).toEqual(['model.weights.bin']);
      expect(statSync(join(cwd, 'student', 'model.weights.bin')).size).toBeGreaterThan(0);
    });

    it("puts the demo's sweep in the local team, beside the others", () => {
      const r = distillery(cwd, ['demo', 'sweep.yaml']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/sweep +'tiny' [0-9a-f-]{36}: 5 runs from sweep.yaml/);
      const list = distillery(cwd, ['sweep', 'list', '--json']);
      expect((JSON.parse(list.stdout) as { items: { name: string }[] }).items.map((s) => s.name)).toEqual([
        'tiny',
        'tiny',
        'tiny',
      ]);
    });
  });

  describe('distillery run while distillery serve has the store', () => {
    let serve: ChildProcess;
    let output = '';
    const serveFile = () => join(cwd, '.distillery', 'serve.json');

    beforeAll(async () => {
      serve = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { cwd, env: bareEnv() });
      serve.stdout?.on('data', (d: Buffer) => {
        output += d;
      });
      serve.stderr?.on('data', (d: Buffer) => {
        output += d;
      });
      while (!existsSync(serveFile())) {
        if (serve.exitCode !== null) throw new Error(`serve exited: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    afterAll(() => {
      if (serve.exitCode === null) serve.kill('SIGKILL');
    });

    it('says where it listens in a file only its owner can read, without the key', () => {
      expect(statSync(serveFile()).mode & 0o777).toBe(0o600);
      const file = JSON.parse(readFileSync(serveFile(), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(file).sort()).toEqual(['pid', 'url']);
      expect(file.pid).toBe(serve.pid);
      expect(file.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    });

    it("prints the dashboard's URL signed in as the local team, the key in the fragment", async () => {
      const { url } = JSON.parse(readFileSync(serveFile(), 'utf8')) as { url: string };
      const key = readFileSync(join(cwd, '.distillery', 'api-key'), 'utf8').trim();
      while (!output.includes('dashboard: ')) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(output).toMatch(new RegExp(`^dashboard: ${url}/#key=${key}$`, 'm'));
    });

    it('hands the sweep to serve and follows it there to the end', () => {
      const r = distillery(cwd, ['run', 'sweep.yaml']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(`^store +handed to distillery serve at http://127\\.0\\.0\\.1:\\d+ \\(process ${serve.pid}\\)`),
      );
      expect(r.stdout).toMatch(/sweep +'tiny' [0-9a-f-]{36}: 5 runs from sweep.yaml \(5 reused from earlier sweeps/);
      expect(r.stdout).toMatch(/sweep succeeded in [\d.]+ s \(results in serve at http:\/\/127\.0\.0\.1:\d+\)/);
    });

    it('runs the demo through serve too, its sweep in the local team', () => {
      const r = distillery(cwd, ['demo', 'sweep.yaml']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        new RegExp(`^store +handed to distillery serve at http://127\\.0\\.0\\.1:\\d+ \\(process ${serve.pid}\\)`),
      );
      expect(r.stdout).toMatch(/sweep +'tiny' [0-9a-f-]{36}: 5 runs from sweep.yaml/);
      expect(r.stdout).toMatch(/sweep succeeded in [\d.]+ s/);
      expect(r.stdout).toMatch(/accuracy-vs-size frontier, synthetic: \d of 5 configurations/);
    });

    it("reads the sweeps through serve, which holds the store's lock", () => {
      const r = distillery(cwd, ['sweep', 'list', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { items: unknown[] }).items).toHaveLength(5);
    });

    it('removes its file when it stops', async () => {
      serve.kill('SIGTERM');
      const [code] = await once(serve, 'exit');
      expect(code).toBe(0);
      expect(existsSync(serveFile())).toBe(false);
    });
  });
});
